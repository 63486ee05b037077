"""Packaging traps: someone else's `eval` or `qa`, and where an installed package keeps files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from profile_qa.distribution import check_own_packages
from profile_qa.errors import PackageConflictError
from profile_qa.settings import load_settings, user_data_dir

REPO = Path(__file__).resolve().parent.parent


def _other_distribution(root: Path, name: str, with_code: bool = True) -> Path:
    """A small local distribution `other-<name>` providing a top-level package `name`."""
    if with_code:
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text("raise SystemExit('the wrong code ran')\n")
    info = root / f"other_{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: other-{name}\nVersion: 0.1\n")
    (info / "top_level.txt").write_text(f"{name}\n")
    return root


@pytest.mark.parametrize("name", ["eval", "qa"])
def test_a_shadowing_package_stops_the_cli_and_the_server_with_its_path(
    tmp_path: Path, name: str
) -> None:
    root = _other_distribution(tmp_path / "elsewhere", name)
    env = {**os.environ, "PYTHONPATH": str(root)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    for done in (run("-m", "profile_qa", "corpus", "inspect"), run(str(REPO / "app.py"))):
        assert done.returncode == 1, done.stderr
        # The conflicting distribution and where it is, whichever `eval` Python would pick
        # (the script's own folder comes first for app.py, PYTHONPATH for -m).
        assert f"installed by other-{name} in {root}" in done.stderr
        assert f"top-level package '{name}'" in done.stderr
        assert "the wrong code ran" not in done.stderr + done.stdout
        assert "Traceback" not in done.stderr
    done = run("-m", "profile_qa", "--help")
    assert f"top-level package '{name}' that Python imports is {root / name}" in done.stderr


def test_a_folder_with_its_own_eval_stops_python_m_profile_qa(tmp_path: Path) -> None:
    # `python -m` puts the current folder first on sys.path: its eval/ would win.
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "__init__.py").write_text("raise SystemExit('the wrong code ran')\n")
    done = subprocess.run(
        [sys.executable, "-m", "profile_qa", "corpus", "inspect"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert f"package 'eval' that Python imports is {tmp_path.resolve() / 'eval'}" in done.stderr
    assert "the wrong code ran" not in done.stderr


def test_another_distribution_claiming_a_package_name_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same files on disk (one overwrote the other's), but two owners: still refused.
    monkeypatch.syspath_prepend(str(_other_distribution(tmp_path, "qa", with_code=False)))
    with pytest.raises(PackageConflictError, match="installed by other-qa"):
        check_own_packages()


def test_our_own_packages_pass_the_check() -> None:
    check_own_packages()


def test_app_is_not_installed_as_a_top_level_module(tmp_path: Path) -> None:
    # From outside the checkout, `import app` must not find anything of ours.
    probe = "import importlib.util; print(importlib.util.find_spec('app'))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "None", done.stdout + done.stderr


def test_outside_a_checkout_articles_and_data_live_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.articles_dir == user_data_dir() / "articles"
    assert s.data_dir == user_data_dir()
    assert "site-packages" not in str(s.articles_dir)


def test_in_a_checkout_articles_and_data_stay_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    s = load_settings(env={})
    assert s.articles_dir == REPO / "corpus" / "articles"
    assert s.data_dir == Path(".profile-qa")


def test_corpus_inspect_says_which_folder_it_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from profile_qa.cli import main

    monkeypatch.chdir(REPO)
    monkeypatch.delenv("PROFILE_QA_ARTICLES_DIR", raising=False)
    result = CliRunner().invoke(main, ["corpus", "inspect"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Read {REPO / 'corpus' / 'articles'}\n")
    result = CliRunner().invoke(main, ["corpus", "inspect", "--json"])
    assert json.loads(result.output)["read"] == str(REPO / "corpus" / "articles")


def test_the_first_run_of_an_installed_package_starts_with_the_sample_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from profile_qa.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)  # not a checkout: the articles live in the user data folder
    articles = user_data_dir() / "articles"
    result = CliRunner().invoke(main, ["corpus", "inspect"])
    assert result.exit_code == 0, result.output
    assert f"copied 2 sample article(s) into {articles}" in result.stderr
    assert "2 article(s) loaded, 0 file(s) skipped" in result.stdout
    samples = sorted(p.name for p in (REPO / "corpus" / "articles").iterdir())
    assert sorted(p.name for p in articles.iterdir()) == samples
    assert (articles.parent / "aliases.toml").is_file()
    assert (articles.parent / "examples.toml").is_file()

    # The editor's folder from then on: a removed sample stays removed, nothing is said.
    (articles / samples[0]).unlink()
    again = CliRunner().invoke(main, ["corpus", "inspect"])
    assert again.exit_code == 0 and "sample" not in again.stderr
    assert sorted(p.name for p in articles.iterdir()) == samples[1:]


def test_a_folder_the_editor_chose_is_never_filled_with_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from profile_qa.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    chosen = tmp_path / "my-articles"
    monkeypatch.setenv("PROFILE_QA_ARTICLES_DIR", str(chosen))
    result = CliRunner().invoke(main, ["corpus", "inspect"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not chosen.exists() and not (user_data_dir() / "articles").exists()
    (user_data_dir() / "articles").mkdir(parents=True)  # exists, empty: the editor's choice
    monkeypatch.delenv("PROFILE_QA_ARTICLES_DIR")
    result = CliRunner().invoke(main, ["corpus", "inspect"])
    assert result.exit_code == 0 and "0 article(s) loaded" in result.stdout
    assert list((user_data_dir() / "articles").iterdir()) == []
