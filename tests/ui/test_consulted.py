"""Consulted articles: the sidebar records the cards it shows, the articles the agent opens and the
articles a copied draft is based on, in the real `ConsultedLog`, from worker threads."""

from __future__ import annotations

import pytest

from assist.escalation.consulted import ConsultedLog
from tests.helpers.fakes import doc_hit
from tests.ui.conftest import WAIT
from ui.sidebar.consulted import ConsultedRecorder
from ui.workers import WorkerPool


class CountingLog(ConsultedLog):
    def __init__(self, path) -> None:
        super().__init__(path)
        self.writes = 0

    def record(self, ticket_id, article) -> None:
        self.writes += 1
        super().record(ticket_id, article)


def drain(qtbot, pool: WorkerPool) -> None:
    qtbot.wait_until(lambda: pool.pending == 0, timeout=WAIT)


def test_recorder_writes_shown_opened_cited_once_each(qtbot, tmp_path):
    log = CountingLog(tmp_path / "consulted.sqlite3")
    pool = WorkerPool()
    recorder = ConsultedRecorder(log, pool)
    hits = [
        doc_hit(1, "Bulbs flicker when dimmed", "Swap the bulb.", hierarchy="LUMEN / Troubleshooting"),
        doc_hit(2, "Pair a bulb", "Reset it.", url="https://kb.example/pair", space="LUMEN"),
    ]
    recorder.shown("1003", hits)
    recorder.shown("1003", hits)  # the same cards again (back to the ticket): no new writes
    drain(qtbot, pool)
    assert log.writes == 2
    recorder.opened("1003", hits[1])
    drain(qtbot, pool)
    got = {a.doc_id: a for a in log.for_ticket("1003")}
    assert got[hits[0].doc_uid].how == "shown"
    assert got[hits[0].doc_uid].section == "LUMEN / Troubleshooting"
    assert got[hits[1].doc_uid].how == "opened"
    assert got[hits[1].doc_uid].url == "https://kb.example/pair" and got[hits[1].doc_uid].section == "LUMEN"
    assert log.for_ticket("9999") == []
    assert pool.shutdown(WAIT)
    log.close()


@pytest.mark.slow
def test_sidebar_records_cards_shown_opened_and_cited(
    qtbot, make_sidebar, extractive_engine, demo_provider, tmp_path, monkeypatch
):
    from ui.sidebar import controller as controller_module

    opened_urls: list = []
    monkeypatch.setattr(controller_module.QDesktopServices, "openUrl", lambda url: opened_urls.append(url))
    window, c = make_sidebar(extractive_engine, demo_provider)
    log = ConsultedLog(tmp_path / "consulted.sqlite3")
    c.consulted = ConsultedRecorder(log, c.pool)
    qtbot.wait_until(lambda: c.index_ready, timeout=WAIT)
    with qtbot.wait_signal(c.ticket_complete, timeout=WAIT):
        assert c.pin("1003")
    drain(qtbot, c.pool)
    shown = {a.doc_id: a.how for a in log.for_ticket("1003")}
    cards = [card.hit.doc_uid for card in window.cards.cards]
    assert cards and set(cards) == set(shown) and set(shown.values()) == {"shown"}

    with qtbot.wait_signal(c.pool.busy_changed, timeout=WAIT, check_params_cb=lambda busy: not busy):
        window.cards.cards[1].on_open_clicked()
    assert opened_urls, "the article was not opened"
    assert {a.doc_id: a.how for a in log.for_ticket("1003")}[cards[1]] == "opened"

    sources = [s.doc_uid for s in c._ticket_draft.sources] if c._ticket_draft else []
    window.draft.on_copy_clicked()
    drain(qtbot, c.pool)
    now = {a.doc_id: a.how for a in log.for_ticket("1003")}
    assert all(now[uid] == "cited" for uid in sources)
    assert sources, "the demo draft for #1003 is based on no article"
    log.close()
