"""Knowledge cards mark internal-only articles with an "Internal" badge."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assist import InternalOnly
from assist.config import DEFAULT_INTERNAL_ONLY
from assist.query import build_query
from tests.helpers.fakes import doc_hit, search_result
from ui.sidebar.cards import CardsView


def _view(qtbot) -> CardsView:
    view = CardsView()
    qtbot.add_widget(view)
    return view


def test_badge_follows_the_documents_mark_and_the_configured_patterns(qtbot) -> None:
    marked = dataclasses.replace(
        doc_hit(1, "Refund limits", "Up to one free month."),
        internal=True,
        internal_reason="audience: internal",
    )
    by_path = doc_hit(2, "Agent macros", "Use macro M-12.", path="Internal/macros.md")
    public = doc_hit(3, "Reset the hub", "Hold the button for 10 seconds.")
    view = _view(qtbot)
    view.on_results_ready(search_result(marked, by_path, public), "ticket")
    # Without the app's rules, only the document's own mark counts.
    assert [c.badge.isVisibleTo(view) for c in view.cards] == [True, False, False]
    assert "audience: internal" in view.cards[0].badge.toolTip()
    assert view.cards[0].accessibleName().endswith("(internal only)")

    view.is_internal = InternalOnly(DEFAULT_INTERNAL_ONLY)
    view.on_results_ready(search_result(marked, by_path, public), "ticket")
    assert [c.badge.isVisibleTo(view) for c in view.cards] == [True, True, False]
    assert [c.badge.text() for c in view.cards] == ["Internal"] * 3


def test_the_demo_escalation_page_gets_the_badge(qtbot, demo_index: Path) -> None:
    """Real hits from the demo index: the escalation page is internal by its front matter."""
    from assist.retrieval import Retriever
    from indexer.store import IndexStore
    from models.embedder import make_embedder

    store = IndexStore(demo_index, create=False)
    try:
        result = Retriever(store, make_embedder()).search(
            build_query("Tier-1 escalation policy", "What may tier-1 approve without a team lead?")
        )
    finally:
        store.close()
    view = _view(qtbot)
    view.is_internal = InternalOnly(())  # no patterns: the index's own record decides
    view.on_results_ready(result, "question")
    badges = {c.hit.title: c.badge.isVisibleTo(view) for c in view.cards}
    assert badges.get("Escalation policy for tier-1") is True, badges
    assert sum(badges.values()) == 1
