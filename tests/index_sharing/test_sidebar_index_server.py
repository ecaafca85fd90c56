"""The sidebar on an index server that goes away mid-session: a banner, the last cards kept, a
retry with back-off, and the search done once the server is back; no crash, no worker left."""

from __future__ import annotations

from assist import Engine, Settings
from assist.config import IndexSettings

# The sidebar fixtures, shared with tests/ui (a conftest can't be a plugin outside the root).
from tests.ui.conftest import TEST_LLM, WAIT, _no_dangling_threads, demo_provider, make_sidebar  # noqa: F401


def test_the_sidebar_survives_the_index_server_going_away(
    qtbot,
    make_sidebar,  # noqa: F811
    demo_provider,  # noqa: F811
    server_index,
    chroma_server,
    embedder,
):
    settings = Settings(llm=TEST_LLM, index=IndexSettings(server=chroma_server.url, timeout_seconds=5))
    engine = Engine(settings, db=server_index, use_llm=False)
    engine.retriever.embedder = embedder
    window, c = make_sidebar(engine, demo_provider)
    qtbot.wait_until(lambda: c.index_ready, timeout=WAIT)
    with qtbot.wait_signal(c.results_ready, timeout=WAIT):
        c.pin("1001")
    first_cards = [card.hit.doc_uid for card in window.cards.cards]
    assert first_cards

    chroma_server.stop()
    try:
        c.pin("1002")
        qtbot.wait_until(lambda: "index-server" in window.banners.banners, timeout=WAIT)
        text = window.banners.text("index-server")
        assert chroma_server.url in text and "Retrying in 5 s" in text
        assert window.banners.banners["index-server"].level == "warning"
        assert c.server_retry_pending
        assert window.header.number.text().startswith("#1002")  # the ticket itself still shows
    finally:
        chroma_server.start()
    # The scheduled retry (or the banner's "Retry now") searches again and clears the banner.
    with qtbot.wait_signal(c.results_ready, timeout=WAIT):
        window.on_banner_action("retry")
    qtbot.wait_until(lambda: "index-server" not in window.banners.banners, timeout=WAIT)
    assert c.result is not None and c.result.hits
    assert [card.hit.doc_uid for card in window.cards.cards] != first_cards  # 1002's own articles
    assert not c.server_retry_pending
    engine.close()
