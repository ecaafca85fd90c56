"""`--self-test`, in process, with every socket blocked: the real models pass, a missing one fails.

The bundle's own run (PyInstaller build + `env -i`) is `tests/test_bundle.py`.
"""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from assist import selftest

STEPS = ["settings", "embedder loads", "LLM loads", "index sample", "search", "answer", "draft", "helpdesk"]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connect and DNS lookup fails and is recorded (as in tests/test_privacy.py)."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args)[:200])
        raise OSError("network blocked by test")

    for target, name in (
        (socket.socket, "connect"),
        (socket.socket, "connect_ex"),
        (socket, "getaddrinfo"),
        (socket, "create_connection"),
    ):
        monkeypatch.setattr(target, name, refuse)
    return attempts


def _run(argv: list[str], **kwargs: object) -> tuple[int, dict[str, str]]:
    out = io.StringIO()
    code = selftest.main(argv, prog="assist", out=out, **kwargs)  # type: ignore[arg-type]
    lines: dict[str, str] = {}
    for line in out.getvalue().splitlines():
        verdict, _, rest = line.partition("  ")
        if verdict in {"PASS", "FAIL"}:
            name = next(s for s in [*STEPS, "extra"] if rest.startswith(s))
            lines[name] = line
    return code, lines


@pytest.mark.slow
def test_self_test_passes_offline_with_the_real_models(no_network: list[str]) -> None:
    code, lines = _run(["--self-test"])
    assert code == 0, "\n".join(lines.values())
    assert list(lines) == STEPS
    assert all(line.startswith("PASS") for line in lines.values()), "\n".join(lines.values())
    assert "rank 1" in lines["search"]
    assert "verified" in lines["answer"] and selftest.EXPECTED_ARTICLE in lines["answer"]
    assert "no network call" in lines["helpdesk"]
    assert no_network == []


def test_missing_models_fail_with_their_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_network: list[str]
) -> None:
    monkeypatch.setenv("ASSIST_EMBEDDER", str(tmp_path / "no-such-embedder"))
    monkeypatch.setenv("ASSIST_LLM_MODEL", str(tmp_path / "no-such-model.gguf"))
    code, lines = _run(["--self-test"])
    assert code == 1
    assert lines["settings"].startswith("PASS") and lines["helpdesk"].startswith("PASS")
    assert lines["embedder loads"].startswith("FAIL") and "no-such-embedder" in lines["embedder loads"]
    assert "not found" in lines["embedder loads"]
    assert lines["LLM loads"].startswith("FAIL") and "no-such-model.gguf" in lines["LLM loads"]
    for step in ("index sample", "search", "answer", "draft"):
        assert lines[step].startswith("FAIL") and "Not run" in lines[step]
    assert no_network == []


def test_an_invalid_helpdesk_config_fails_without_a_network_call(
    monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    monkeypatch.setenv("ASSIST_HELPDESK_KIND", "rt")  # no URL
    state = selftest._State(workdir=Path("."))
    settings = selftest.run_step("settings", lambda: selftest._settings(state, None))
    helpdesk = selftest.run_step("helpdesk", lambda: selftest._helpdesk(state, with_helpdesk=True))
    assert not settings.passed and not helpdesk.passed
    assert "URL" in helpdesk.detail
    assert no_network == []


def test_with_helpdesk_signs_in_once(no_network: list[str]) -> None:
    state = selftest._State(workdir=Path("."))
    assert selftest.run_step("settings", lambda: selftest._settings(state, None)).passed
    result = selftest.run_step("helpdesk", lambda: selftest._helpdesk(state, with_helpdesk=True))
    assert result.passed, result.detail
    assert "signed in, read 1 open ticket(s)" in result.detail  # the demo helpdesk, on disk
    assert no_network == []


def test_a_failing_extra_step_is_reported_not_raised() -> None:
    def broken() -> str:
        raise RuntimeError("no display")

    result = selftest.run_step("extra", broken)
    assert not result.passed and result.detail == "RuntimeError: no display"
    assert result.line().startswith("FAIL  extra")


def test_the_sample_ships_as_package_data() -> None:
    articles = sorted(p.name for p in selftest.sample_dir().glob("*.md"))
    assert selftest.EXPECTED_ARTICLE in articles and len(articles) == 3


@pytest.mark.parametrize(
    ("entry", "prog"),
    [("assist.cli", "assist"), ("assist.cli_index", "assist-index"), ("ui.app", "assist-sidebar")],
)
def test_every_program_answers_self_test(
    entry: str,
    prog: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_network: list[str],
) -> None:
    import importlib

    monkeypatch.setenv("ASSIST_EMBEDDER", str(tmp_path / "no-such-embedder"))
    monkeypatch.setenv("ASSIST_LLM_MODEL", str(tmp_path / "no-such-model.gguf"))
    assert importlib.import_module(entry).main(["--self-test"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{prog} self-test (offline)")
    assert "FAIL  embedder loads" in out and f"{prog} self-test: 6 step(s) failed" in out
    if prog == "assist-sidebar":
        assert "PASS  sidebar window" in out
    assert no_network == []
