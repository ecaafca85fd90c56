"""Fast tests of the sidebar's parts: text helpers, workers, the demo index stamp, settings."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from assist.config import Settings
from assist.tickets import Sla, Ticket
from common.errors import AuthError
from tests.helpers.fakes import FailingProvider
from ui import demo_index
from ui.sidebar.header import sla_text
from ui.sidebar.text import answer_html, excerpt, highlight_html, human_age, plain
from ui.workers import Gate, WorkerPool


def test_highlight_and_excerpt():
    assert highlight_html("Restart the <hub> now", ("hub", "restart")) == (
        "<b>Restart</b> the &lt;<b>hub</b>&gt; now"
    )
    assert highlight_html("a b", ()) == "a b"
    text = "word " * 100 + "the E-104 error " + "tail " * 100
    out = excerpt(text, ("e-104",), limit=80)
    assert "E-104" in out and out.startswith("…") and out.endswith("…")
    assert plain("**Bold** and `code`\n```text\nx```") == "Bold and code text x"


def test_answer_html_links_only_valid_citations():
    html = answer_html("Restart it [1]. Not [7].\n\nThen <b>", [1, 2])
    assert '<a href="cite:1"' in html and "cite:7" not in html and "&lt;b&gt;" in html


def test_ages_and_sla():
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert human_age(now - timedelta(minutes=5), now) == "5 min"
    assert human_age(now - timedelta(days=3), now) == "3 d"
    assert human_age(now + timedelta(hours=2), now) == "in 2 h"
    ticket = Ticket("1", "s", "open", "demo", sla=Sla(first_response_due=now + timedelta(minutes=30)))
    text, level = sla_text(ticket, now)
    assert text == "SLA: first reply due in 30 min" and level == "error"
    breached = Ticket(
        "1", "s", "open", "demo", sla=Sla(resolution_due=now - timedelta(hours=3), breached=True)
    )
    assert sla_text(breached, now) == ("SLA breached: resolution was due 3 h ago", "error")
    assert sla_text(Ticket("1", "s", "open", "demo"), now) == ("", "")


def test_gate_cancels_previous_generation():
    gate = Gate()
    first, ev1 = gate.bump()
    second, ev2 = gate.bump()
    assert ev1.is_set() and not ev2.is_set()
    assert gate.is_current(second) and not gate.is_current(first)


def test_job_streams_and_stops_when_cancelled(qtbot):
    pool = WorkerPool()
    items: list[int] = []
    cancel = threading.Event()

    def numbers(ev: threading.Event):
        for i in range(10_000):
            if i == 3:
                cancel.set()  # as a ticket switch would, mid-stream
            yield i

    with qtbot.wait_signal(pool.busy_changed, timeout=5000, check_params_cb=lambda busy: not busy):
        pool.submit(numbers, 1, cancel, yielded=lambda _t, i: items.append(i))
    assert items == [0, 1, 2]
    errors: list[BaseException] = []
    with qtbot.wait_signal(pool.busy_changed, timeout=5000, check_params_cb=lambda busy: not busy):
        pool.submit(lambda ev: 1 / 0, errored=lambda _t, exc: errors.append(exc))
    assert isinstance(errors[0], ZeroDivisionError)
    assert pool.shutdown(5000)


def test_demo_index_is_fresh_after_build(demo_index, tmp_path):
    assert not demo_index.joinpath("demo-stamp.json").exists() or not demo_index_stale(demo_index)
    assert demo_index_stale(tmp_path / "empty")


def demo_index_stale(db):
    return demo_index.is_stale(db)


def test_settings_dialog_saves_demo_and_reports_a_refused_token(qtbot, tmp_path):
    from ui.settings_dialog import SettingsDialog

    pool = WorkerPool()
    config = tmp_path / "config.toml"
    config.write_text('[answer]\ntone = "formal"\n')
    dialog = SettingsDialog(Settings(), pool, index_dir=tmp_path / "idx", config_path=config, first_run=True)
    qtbot.add_widget(dialog)
    dialog.model.setText("/models/x.gguf")
    dialog.index_dir.setText(str(tmp_path / "mine"))
    with qtbot.wait_signal(dialog.saved, timeout=10_000) as saved:
        dialog.on_save_clicked()
    settings, index_dir = saved.args
    assert settings.helpdesk.kind == "demo" and index_dir == str(tmp_path / "mine")
    text = config.read_text()
    assert 'kind = "demo"' in text and 'model_path = "/models/x.gguf"' in text and 'tone = "formal"' in text
    assert "token" not in text

    stored: list[str] = []
    dialog = SettingsDialog(
        Settings(),
        pool,
        index_dir=tmp_path,
        config_path=config,
        provider_factory=lambda hs, token: FailingProvider(AuthError("401")),
        store_token=lambda hs, token: stored.append(token),
    )
    qtbot.add_widget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("zendesk"))
    dialog.url.setText("https://acme.zendesk.com")
    dialog.email.setText("sam@acme.example")
    dialog.token.setText("wrong-token")
    dialog.on_save_clicked()
    qtbot.wait_until(lambda: "refused this token" in dialog.message.text(), timeout=10_000)
    assert stored == [], "a token is stored only after it worked"
    dialog.url.setText("acme.zendesk.com")
    dialog.on_save_clicked()
    assert "https://" in dialog.message.text()
    assert pool.shutdown(5000)


def test_emit_keeps_the_reference_count_of_true(qtbot):
    """PySide6 6.12.0 drops a reference to True on every Python-side emit; a day of streamed
    tokens would abort the interpreter (bool_dealloc). `ui.qtcompat.emit` gives it back."""
    import sys

    from ui.qtcompat import _Probe, emit

    probe = _Probe()
    got: list[int] = []
    probe.fired.connect(lambda: got.append(1))
    before = sys.getrefcount(True)
    for _ in range(2000):
        emit(probe.fired)
    assert len(got) == 2000
    assert abs(sys.getrefcount(True) - before) < 10


def test_the_installed_qt_binding_keeps_reference_counts():
    from ui.qtcompat import binding_problem

    assert binding_problem() == ""


def test_answer_view_marks_unsupported_sentences_while_streaming_and_when_done(qtbot):
    from assist.answering import UNVERIFIED, Answer, Citation
    from assist.verify import SentenceVerdict
    from ui.sidebar.answer import AnswerView

    view = AnswerView()
    qtbot.add_widget(view)
    good, bad = "Open Settings > Security [1].", "Call us on 0800 123 456 [1]."
    view.on_token(good + " ")
    view.on_verdict(SentenceVerdict(good, True, "", (1,), 1, 0.9))
    view.on_token(bad)
    view.on_verdict(SentenceVerdict(bad, False, "[1] doesn't say “0800”", (1,), None, 0.3))
    assert view.marked == [bad]
    doc = view.browser.document()
    struck = [doc.characterAt(i) for i in range(doc.characterCount()) if _struck_at(view, i)]
    assert "".join(struck) == bad
    assert not _struck_at(view, 1)  # the supported sentence is left alone
    assert not _italic_at(view, 1) and not _italic_at(view, len(good) + 2)  # both were checked
    view.on_token(" Then wait.")
    assert _italic_at(view, doc.characterCount() - 3)  # not checked yet: shown as pending

    source = Citation(1, "Password reset", "pw.md", None, "docs:pw.md")
    final = Answer(
        f"Open Settings > Security [1]. {UNVERIFIED}Call us on 0800 123 456.",
        [source],
        verified=False,
        abstained=False,
        extractive=False,
        sources=[source],
        unsupported=(f"{UNVERIFIED}Call us on 0800 123 456.",),
        verdicts=(SentenceVerdict(bad, False, "[1] doesn't say “0800”", (1,), None, 0.3),),
    )
    view.on_done(final)
    html = view.browser.toHtml()
    assert "line-through" in html
    assert view.text().endswith(f"{UNVERIFIED}Call us on 0800 123 456.")


def _struck_at(view, position: int) -> bool:
    from PySide6.QtGui import QTextCursor

    cursor = QTextCursor(view.browser.document())
    cursor.setPosition(position + 1)  # the format of the character before the cursor
    return cursor.charFormat().fontStrikeOut()


def _italic_at(view, position: int) -> bool:
    from PySide6.QtGui import QTextCursor

    cursor = QTextCursor(view.browser.document())
    cursor.setPosition(position + 1)
    return cursor.charFormat().fontItalic()
