"""The handoff dialog: built in a worker, editable; Save note sends the edited text; Re-assign only
after an explicit Yes, once; disabled where the helpdesk connection cannot re-assign."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.helpers.escalation_fakes import NotesOnlyProvider, ReassigningProvider, rules, ticket
from tests.ui.test_escalation_views import frustrated
from ui.handoff_dialog import HandoffDialog
from ui.workers import WorkerPool

WAIT = 15_000


@dataclass(frozen=True)
class ScriptedHandoff:
    ticket_id: str
    subject: str
    target_group: str
    target_reason: str
    phrased_by: str = "extractive"
    notes: tuple[str, ...] = ()


class Builder:
    """`build_handoff` / `render_note` stand-ins that record where and with what they ran."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.threads: list[int] = []

    def build(self, t, signals, rules, *, history, consulted, llm, now):
        self.threads.append(threading.get_ident())
        self.calls.append({"ticket": t.id, "signals": signals, "consulted": consulted, "llm": llm})
        return ScriptedHandoff(
            t.id, t.subject, "Tier 2 hardware", "Tier 2 hardware: device fault (tagged bulbs)"
        )

    @staticmethod
    def render(handoff) -> str:
        return f"Handoff summary: #{handoff.ticket_id}\nHand to: {handoff.target_group}\n"


class Consulted:
    def for_ticket(self, ticket_id: str) -> list[str]:
        return [f"article for {ticket_id}"]


@pytest.fixture
def pool():
    p = WorkerPool()
    yield p
    assert p.shutdown(WAIT)


def make_dialog(qtbot, pool, provider, builder: Builder) -> HandoffDialog:
    dialog = HandoffDialog(
        ticket("1003", "Bulbs flickering", tags=("bulbs",)),
        provider,
        pool,
        rules(),
        signals=frustrated(),
        consulted=Consulted(),
        build=builder.build,
        render=builder.render,
    )
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.built, timeout=WAIT):
        dialog.start()
        dialog.show()
    return dialog


def test_summary_is_built_in_a_worker_and_shown_editable(qtbot, pool):
    builder = Builder()
    dialog = make_dialog(qtbot, pool, ReassigningProvider(), builder)
    assert builder.threads and threading.get_ident() not in builder.threads
    call = builder.calls[0]
    assert call["ticket"] == "1003" and call["llm"] is None
    assert call["consulted"] == ["article for 1003"]
    assert dialog.text() == "Handoff summary: #1003\nHand to: Tier 2 hardware\n"
    assert not dialog.editor.isReadOnly()
    assert "Tier 2 hardware" in dialog.target.text() and "device fault" in dialog.target.text()
    assert dialog.reassign_button.text() == "Re-assign to Tier 2 hardware…"
    assert dialog.reassign_button.isEnabled() and dialog.note_button.isEnabled()


def test_save_note_sends_the_edited_text(qtbot, pool):
    provider = ReassigningProvider()
    dialog = make_dialog(qtbot, pool, provider, Builder())
    dialog.editor.setPlainText("Edited by the agent: customer on a dimmer, bulbs buzz.")
    with qtbot.wait_signal(dialog.note_saved, timeout=WAIT):
        qtbot.mouseClick(dialog.note_button, Qt.MouseButton.LeftButton)
    assert provider.notes == [("1003", "Edited by the agent: customer on a dimmer, bulbs buzz.")]
    assert threading.get_ident() not in provider.threads
    assert provider.reassigned == []
    assert "Saved as an internal note on #1003" in dialog.result.text()


def test_reassign_needs_an_explicit_yes_and_happens_once(qtbot, pool, monkeypatch):
    provider = ReassigningProvider()
    dialog = make_dialog(qtbot, pool, provider, Builder())
    asked: list[tuple] = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append((title, text))
            return reply

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(dialog.reassign_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    _title, text = asked[0]
    assert "Tier 2 hardware" in text and "device fault (tagged bulbs)" in text and "#1003" in text
    assert pool.pending == 0, "work was started although the agent said No"
    assert provider.reassigned == [] and provider.notes == []
    assert dialog.reassign_button.isEnabled()

    dialog.editor.setPlainText("Summary, edited.")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    with qtbot.wait_signal(dialog.reassigned, timeout=WAIT) as done:
        qtbot.mouseClick(dialog.reassign_button, Qt.MouseButton.LeftButton)
    assert done.args == ["Tier 2 hardware"]
    assert provider.reassigned == [("1003", "9", "Summary, edited.")]
    assert not dialog.reassign_button.isEnabled(), "a second click could re-assign again"
    assert "Re-assigned #1003 to Tier 2 hardware" in dialog.result.text()


def test_reassign_is_disabled_with_a_reason_without_provider_support(qtbot, pool, monkeypatch):
    provider = NotesOnlyProvider()
    dialog = make_dialog(qtbot, pool, provider, Builder())
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("asked to re-assign"))
    assert not dialog.reassign_button.isEnabled()
    assert "cannot re-assign" in dialog.reassign_button.toolTip()
    dialog.on_reassign_clicked()  # even if called directly, nothing happens
    assert pool.pending == 0
    assert dialog.note_button.isEnabled()


def test_build_failure_is_reported(qtbot, pool):
    def broken(*_a, **_k):
        raise ValueError("no customer messages")

    dialog = HandoffDialog(
        ticket("1"), ReassigningProvider(), pool, rules(), signals=frustrated("1"), build=broken, render=str
    )
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.build_failed, timeout=WAIT) as failed:
        dialog.start()
    assert "no customer messages" in failed.args[0]
    assert not dialog.copy_button.isEnabled() and not dialog.reassign_button.isEnabled()
    assert "could not be built" in dialog.result.text()


def test_real_handoff_of_a_demo_ticket(qtbot, pool, demo_provider):
    pytest.importorskip("assist.escalation.handoff")
    t = demo_provider.get_ticket("1003")
    dialog = HandoffDialog(t, demo_provider, pool, rules_builtin(), history=())
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.built, timeout=60_000) as built:
        dialog.start()
    handoff = built.args[0]
    assert handoff.ticket_id == "1003"
    assert "1003" in dialog.text() and dialog.text() != ""
    assert handoff.target_group and handoff.target_group in dialog.target.text()


def rules_builtin():
    from assist.escalation.rules import load_rules

    return load_rules(None)
