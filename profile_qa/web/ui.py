"""The Gradio chat page: streaming answers, a sources panel, examples, feedback.

Gradio is imported inside ``build_ui`` so importing this module stays cheap.
"""

# No ``from __future__ import annotations`` here: Gradio finds gr.Request and gr.LikeData
# parameters by resolving type hints, which must be real objects for the nested handlers.
import logging
from collections.abc import AsyncIterator
from typing import Any

from profile_qa.errors import ConfigError, InvalidQuestionError, StoreUnavailableError
from profile_qa.web import render
from profile_qa.web.ratelimit import retry_after_header
from profile_qa.web.service import ChatService
from qa.model import Answer

log = logging.getLogger("profile_qa.web")

TITLE = "工信抗疫先锋问答"
INTRO = (
    "就工业和信息化部表彰的抗击新冠肺炎疫情先进集体和个人提问，"
    "回答中的 [1]、[2] 指向右侧的原文段落。"
)
# System fonts only: nothing is fetched from a font CDN.
FONT_STACK = (
    "Noto Sans CJK SC",
    "PingFang SC",
    "Microsoft YaHei",
    "ui-sans-serif",
    "system-ui",
    "sans-serif",
)
MONO_STACK = ("ui-monospace", "Consolas", "monospace")

CSS = """
.pq-sources { display: flex; flex-direction: column; gap: 10px; }
.pq-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; }
.pq-source-head { font-weight: 600; }
.pq-num { color: var(--color-accent); }
.pq-meta { font-size: 0.85em; opacity: 0.75; margin: 2px 0 6px; }
.pq-passage { font-size: 0.92em; line-height: 1.6; max-height: 14em; overflow-y: auto; }
.pq-passage mark { background: #fde68a; color: inherit; padding: 0 1px; }
.pq-empty { opacity: 0.7; }
sup.pq-cite { color: var(--color-accent); font-weight: 600; }
.pq-note { opacity: 0.75; }
#pq-status { font-size: 0.85em; opacity: 0.8; }
"""

Turn = dict[str, Any]


def _client_key(request: Any) -> str:
    # request.client is the real client: the app's proxy-header handling already replaced
    # the peer by the forwarded address when (and only when) the peer is a trusted proxy.
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "unknown"


def _messages(turns: list[Turn], pending: Turn | None = None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for turn in [*turns, *([pending] if pending else [])]:
        out.append({"role": "user", "content": render.question_html(turn["question"])})
        out.append({"role": "assistant", "content": turn["html"] or "…"})
    return out


async def chat_turn(
    service: ChatService, message: str, turns: list[Turn], client: str
) -> AsyncIterator[tuple[str, list[dict[str, str]], str | None, list[Turn]]]:
    """One question: yields (textbox value, chat messages, sources HTML or None, turns).

    Async, like the API: waiting on a language model holds no worker thread.
    """
    question = (message or "").strip()
    if not question:
        return
    wait = service.limiter.check(client)
    if wait:
        raise _ui_error(f"请求过于频繁，请 {retry_after_header(wait)} 秒后再试。")
    history = [(t["question"], t["answer"]) for t in turns]
    pending: Turn = {"question": question, "answer": "", "html": "", "sources": []}
    yield "", _messages(turns, pending), None, turns
    text = ""
    try:
        async for item in service.astream(question, history):
            if isinstance(item, str):
                text += item
                pending["html"] = render.answer_html(text)
                yield "", _messages(turns, pending), None, turns
            elif isinstance(item, Answer):
                done = _finish(pending, item)
                new_turns = [*turns, done]
                yield "", _messages(new_turns), render.sources_html(item), new_turns
    except (InvalidQuestionError, ConfigError, StoreUnavailableError) as exc:
        raise _ui_error(str(exc)) from exc
    except Exception as exc:
        log.exception("error while answering in the chat")
        raise _ui_error("出错了，请稍后再试。") from exc


def _finish(pending: Turn, answer: Answer) -> Turn:
    return {
        "question": pending["question"],
        "answer": answer.text,
        "html": render.answer_html(answer.text, answer.note),
        "sources": render.citations_summary(answer.citations),
        "generator": answer.generator,
    }


def _ui_error(message: str) -> Exception:
    import html

    import gradio as gr

    # gr.Error renders its message as HTML.
    return gr.Error(html.escape(message), title="提示")


def record_feedback(service: ChatService, turns: list[Turn], index: Any, liked: Any) -> bool:
    """Store a like/dislike for the assistant message at ``index``; False if none matches."""
    if isinstance(index, (list, tuple)):
        index = index[0]
    if not isinstance(index, int) or index % 2 != 1 or index // 2 >= len(turns):
        return False
    turn = turns[index // 2]
    rating = "like" if liked is True else "dislike" if liked is False else None
    if rating is None:
        return False
    service.feedback.add(
        rating,
        turn["question"],
        turn["answer"],
        turn["sources"],
        turn.get("generator", ""),
        channel="chat",
    )
    return True


def build_ui(service: ChatService) -> Any:
    """The Blocks app (not launched: app.py mounts it on the FastAPI server)."""
    import gradio as gr

    info = service.info
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\n{INTRO}")
        turns = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="对话",
                    height=520,
                    render_markdown=False,  # answers are escaped HTML built in render.py
                    sanitize_html=True,
                    latex_delimiters=[],
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                    placeholder="请在下方输入问题，或点击一个示例问题。",
                    elem_id="pq-chat",
                )
                with gr.Row():
                    box = gr.Textbox(
                        show_label=False,
                        placeholder="请输入问题，例如：某公司捐赠了多少只口罩？",
                        max_lines=4,
                        max_length=service.settings.max_question_chars,
                        scale=5,
                        elem_id="pq-input",
                    )
                    send = gr.Button("发送", variant="primary", scale=1, elem_id="pq-send")
                    clear = gr.Button("清空", scale=1, elem_id="pq-clear")
                gr.Examples(
                    examples=[[q] for q in service.examples], inputs=[box], label="示例问题"
                )
            with gr.Column(scale=2):
                gr.Markdown("### 来源")
                sources = gr.HTML(render.sources_html(None), elem_id="pq-sources")
        gr.Markdown(
            render.status_line(info.generator, info.model_id, info.article_count, info.chunk_count),
            elem_id="pq-status",
        )

        async def respond(
            message: str, state: list[Turn], request: gr.Request
        ) -> AsyncIterator[Any]:
            async for value, messages, panel, new_state in chat_turn(
                service, message, state, _client_key(request)
            ):
                yield value, messages, gr.skip() if panel is None else panel, new_state

        def reset() -> tuple[list[Any], str, list[Turn]]:
            return [], render.sources_html(None), []

        def on_like(state: list[Turn], data: gr.LikeData) -> None:
            record_feedback(service, state, data.index, data.liked)

        outputs = [box, chatbot, sources, turns]
        box.submit(respond, [box, turns], outputs, concurrency_limit=8)
        send.click(respond, [box, turns], outputs, concurrency_limit=8)
        clear.click(reset, None, [chatbot, sources, turns], queue=False)
        # The chatbot's own trash icon empties only the messages; forget the turns too.
        chatbot.clear(reset, None, [chatbot, sources, turns], queue=False)
        chatbot.like(on_like, [turns], None, queue=False)
    demo.queue(max_size=64)
    return demo


def theme() -> Any:
    """Gradio's default theme on system fonts (no font download)."""
    import gradio as gr

    return gr.themes.Default(font=list(FONT_STACK), font_mono=list(MONO_STACK))
