"""Banner states, draft actions and feedback with the real engine (extractive where the LLM is not
the point, so these run in seconds)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from assist import Engine, Settings
from common.errors import AuthError, RateLimitedError, UnavailableError
from tests.helpers.fakes import FailingProvider
from tests.ui.conftest import TEST_LLM, WAIT


def _open(qtbot, c, ticket_id: str = "1002") -> None:
    qtbot.wait_until(lambda: c.index_ready, timeout=WAIT)
    with qtbot.wait_signal(c.ticket_complete, timeout=WAIT):
        assert c.pin(ticket_id)


def test_no_index_banner_says_how_to_build_one(qtbot, make_sidebar, demo_provider, tmp_path):
    engine = Engine(Settings(llm=TEST_LLM), db=tmp_path / "nowhere", use_llm=False)
    window, c = make_sidebar(engine, demo_provider)
    qtbot.wait_until(lambda: "index" in window.banners.banners, timeout=WAIT)
    text = window.banners.text("index")
    assert "No knowledge index" in text and "assist-index" in text and "--demo" in text
    assert window.banners.banners["index"].level == "error"
    # The ticket still shows; there are simply no cards.
    with qtbot.wait_signal(c.ticket_changed, timeout=WAIT):
        c.pin("1001")
    assert window.header.number.text().startswith("#1001")
    assert not window.cards.cards


@pytest.mark.slow
def test_missing_model_banner_and_extractive_answers(
    qtbot, make_sidebar, demo_provider, demo_index, monkeypatch
):
    monkeypatch.setenv("ASSIST_LLM_MODEL", "/nonexistent.gguf")
    engine = Engine(Settings(llm=TEST_LLM), db=demo_index)
    try:
        window, c = make_sidebar(engine, demo_provider)
        qtbot.wait_until(lambda: "model" in window.banners.banners, timeout=WAIT)
        assert "Language model unavailable" in window.banners.text("model")
        assert window.banners.banners["model"].action == "settings"
        _open(qtbot, c, "1001")
        assert window.answer.answer is not None and window.answer.answer.extractive
        assert window.draft.draft is not None and window.draft.draft.extractive
        assert window.draft.text().startswith("Hi Daniel,")
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("error", "level", "words", "action"),
    [
        (AuthError("401 Unauthorized"), "error", "Re-enter your API token", "settings"),
        (RateLimitedError("429 Too Many Requests", retry_after=30), "warning", "Retrying in 30 s", "retry"),
        (UnavailableError("connection refused"), "warning", "Can't reach the helpdesk", "retry"),
    ],
    ids=["401", "429", "down"],
)
def test_helpdesk_failure_banners(qtbot, make_sidebar, extractive_engine, error, level, words, action):
    provider = FailingProvider(error)
    window, c = make_sidebar(extractive_engine, provider)
    c.pin("1001")
    qtbot.wait_until(
        lambda: "get_ticket" in provider.calls and "helpdesk" in window.banners.banners, timeout=WAIT
    )
    qtbot.wait_until(lambda: words in window.banners.text("helpdesk"), timeout=5000)
    banner = window.banners.banners["helpdesk"]
    assert banner.level == level
    assert banner.action == action
    assert banner.button.isVisible() and banner.button.text()
    if isinstance(error, AuthError):
        fetches = provider.calls.count("get_ticket")
        qtbot.wait(600)  # several poll ticks
        assert provider.calls.count("get_ticket") == fetches, "a refused token is not retried"


def test_rate_limit_banner_counts_down(qtbot, make_sidebar, extractive_engine):
    provider = FailingProvider(RateLimitedError("429", retry_after=30))
    window, c = make_sidebar(extractive_engine, provider)
    c.pin("1001")
    qtbot.wait_until(lambda: "Retrying in 30 s" in window.banners.text("helpdesk"), timeout=WAIT)
    qtbot.wait_until(
        lambda: (
            "Retrying in 29 s" in window.banners.text("helpdesk")
            or "Retrying in 28 s" in window.banners.text("helpdesk")
        ),
        timeout=4000,
    )


def test_copy_and_save_note_after_confirming(qtbot, make_sidebar, extractive_engine, demo_provider, tmp_path):
    window, c = make_sidebar(extractive_engine, demo_provider)
    _open(qtbot, c, "1002")
    window.draft.editor.setPlainText(window.draft.text() + "\n(edited by the agent)")

    qtbot.mouseClick(window.draft.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text().endswith("(edited by the agent)")

    asked: list[str] = []
    window.confirm = lambda title, text: asked.append(text) or False  # the agent says No
    window.draft.note_button.click()
    assert asked and "#1002" in asked[0]
    qtbot.wait(200)
    from common.paths import data_dir

    notes_file = data_dir() / "demo_notes.json"
    assert not notes_file.exists(), "nothing is saved without a Yes"

    window.confirm = lambda title, text: True
    with qtbot.wait_signal(c.note_saved, timeout=WAIT) as saved:
        window.draft.note_button.click()
    assert not saved.args[0].public
    notes = json.loads(notes_file.read_text())
    assert notes["1002"][0]["body"].endswith("(edited by the agent)")
    assert window.draft.note_button.text() == "Saved ✓"
    # The note changes the ticket's update time, not the customer's messages: the draft stays.
    qtbot.wait(500)
    assert window.draft.text().endswith("(edited by the agent)")


def test_feedback_is_stored_locally(qtbot, make_sidebar, extractive_engine, demo_provider):
    window, c = make_sidebar(extractive_engine, demo_provider)
    _open(qtbot, c, "1008")
    before = len(extractive_engine.feedback.entries())
    second = window.cards.cards[1]
    second.clicked.emit(second.hit.doc_uid)  # select the second card, then mark it wrong
    for kind in ("helpful", "wrong_source", "missing"):
        with qtbot.wait_signal(c.feedback_recorded, timeout=WAIT):
            window.feedback.buttons[kind].click()
    entries = extractive_engine.feedback.entries()[before:]
    assert [e.kind for e in entries] == ["helpful", "wrong_source", "missing"]
    assert all(e.ticket_id == "1008" and e.query for e in entries)
    assert entries[1].doc_uid == second.hit.doc_uid
    assert entries[2].doc_uid == ""
    assert window.feedback.buttons["missing"].text().endswith("✓")


def test_not_covered_state(qtbot, make_sidebar, extractive_engine, demo_provider):
    window, c = make_sidebar(extractive_engine, demo_provider)
    qtbot.wait_until(lambda: c.index_ready, timeout=WAIT)
    window.ask.edit.setText("What is the weather on Mars next Tuesday?")
    with qtbot.wait_signal(c.answer_done, timeout=WAIT) as done:
        window.ask.on_ask()
    answer = done.args[0]
    assert answer.abstained
    assert window.answer.notice.isVisible()
    assert "doesn't seem to cover" in window.answer.notice.text()
    assert window.cards.caption.text().startswith("Low confidence")


def test_narrow_window_keeps_text_inside(qtbot, make_sidebar, extractive_engine, demo_provider):
    window, c = make_sidebar(extractive_engine, demo_provider, width=360)
    _open(qtbot, c, "1001")
    body = window.scroll.widget()
    assert body.width() <= window.scroll.viewport().width()
    assert window.width() == 360
