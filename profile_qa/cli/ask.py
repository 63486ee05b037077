"""``profile-qa ask``."""

from __future__ import annotations

import json
import sys

import click

from profile_qa.cli._common import SettingsFactory, say


@click.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option(
    "--generator",
    type=click.Choice(["extractive", "llm"]),
    default=None,
    help="extractive (default, offline) or llm (needs llm_base_url and llm_model).",
)
@click.option(
    "--history",
    "history",
    multiple=True,
    help="An earlier question of the conversation (repeatable, oldest first).",
)
@click.option("--top-k", type=int, default=None, help="Passages to retrieve.")
@click.option(
    "--mode",
    "retrieval_mode",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default=None,
    help="Retrieval mode.",
)
@click.option("--stream/--no-stream", default=False, help="Print the answer as it is written.")
@click.pass_obj
def ask_command(
    make_settings: SettingsFactory,
    question: str,
    as_json: bool,
    generator: str | None,
    history: tuple[str, ...],
    top_k: int | None,
    retrieval_mode: str | None,
    stream: bool,
) -> None:
    """Answer QUESTION with cited passages."""
    from qa.chain import load_answerer
    from qa.model import Answer
    from qa.render import answer_to_dict, format_answer

    settings = make_settings(generator=generator, top_k=top_k, retrieval_mode=retrieval_mode)
    answerer = load_answerer(settings, notify=say)
    if stream and not as_json:
        final: Answer | None = None
        shown = []
        for item in answerer.stream(question, list(history)):
            if isinstance(item, Answer):
                final = item
            else:
                shown.append(item)
                click.echo(item, nl=False)
                sys.stdout.flush()
        assert final is not None
        if "".join(shown).strip() != final.text:
            # The LLM failed mid-way or cited nothing valid: the final answer replaces it.
            click.echo("\n" + "-" * 20 + "\n" + final.text, nl=False)
        # format_answer starts with the answer text; print only what follows it.
        click.echo(format_answer(final)[len(final.text) :])
        return
    answer = answerer.answer(question, list(history))
    if as_json:
        click.echo(json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2))
    else:
        click.echo(format_answer(answer))
