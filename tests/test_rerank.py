"""The second stage (`assist.rerank`), fitted at index time on a tiny KB of close siblings.

`tests/data/sibling_kb/` holds articles that differ only in the task (set up vs recover the Quill
Hub), the board revision (Zeta Board R3 vs R4) or the tool (Ledger Desktop vs Ledger Web), plus a
few others; the products are fictional. The tickets name the variant or the task once, in a
customer's words, and share more words with the wrong sibling than the first stage can overlook.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assist.query import build_query
from assist.rerank import RERANK_DIR, SecondStage, load_second_stage
from assist.rerank_fit import fit_second_stage
from assist.retrieval import RetrievalSettings, Retriever, SearchFilters
from indexer.gazetteer import Gazetteer, variant_agreement
from indexer.pipeline import SourceSpec, index
from indexer.store import IndexStore

REPO = Path(__file__).resolve().parents[1]
KB = Path(__file__).parent / "data" / "sibling_kb"

SIBLING_TICKETS = [
    (
        "Firmware for the R4",
        "I just got a Zeta Board R4. The updater shows a new version; what do I click to install it?",
        "Update the firmware on Zeta Board R4",
    ),
    (
        "R3 firmware, hub or dock?",
        "Zeta Board R3 firmware: do I connect it directly or through a USB-C hub or dock, and what do I "
        "click in the updater?",
        "Update the firmware on Zeta Board R3",
    ),
    (
        "Updating the R3",
        "Is it fine to update my Zeta Board R3 through a USB-C hub, or connect it directly to the "
        "computer? How do I do the update?",
        "Update the firmware on Zeta Board R3",
    ),
    (
        "Hub blinking red, app lost it",
        "The Quill Hub light keeps blinking red and the app cannot find it anymore. How do I get it back?",
        "Recover the Quill Hub",
    ),
    (
        # The recovery article shares more of these words (the status light, adding it in the app).
        "How to add the hub",
        "How do I add the Quill Hub in the Quill app? The status light blinks white.",
        "Set up the Quill Hub",
    ),
    (
        # Only the Desktop article talks about Excel and reports in parts.
        "Big report to Excel",
        "I use Ledger Web in Chrome. My report has 300,000 rows; how do I export it to Excel in parts?",
        "Export a report in Ledger Web",
    ),
    (
        "Report as a CSV from the app",
        "In the Ledger Desktop app on my Mac: how can I save a report as a CSV file?",
        "Export a report in Ledger Desktop",
    ),
]


def test_variant_agreement_prefers_the_named_variant_only_among_rivals() -> None:
    gaz = Gazetteer.from_titles(
        [
            "Update the firmware on Zeta Board R3",
            "Update the firmware on Zeta Board R4",
            "Zeta Board overview",
        ]
    )
    ticket = "my zeta board r4 will not update"
    names, words = gaz.names_in(ticket), set(ticket.split())
    r3, r4 = (
        gaz.names_in("Update the firmware on Zeta Board R3"),
        gaz.names_in("Update the firmware on Zeta Board R4"),
    )
    fam = gaz.families
    assert variant_agreement(names, words, r4, [r3], fam) == (1.0, 0.0)
    assert variant_agreement(names, words, r3, [r4], fam) == (0.0, 1.0)
    # Without a rival naming another variant, naming the product proves nothing.
    assert variant_agreement(names, words, r4, [], fam) == (0.0, 0.0)
    # A ticket naming only the family ("my zeta") conflicts with no variant.
    assert variant_agreement(gaz.names_in("my zeta is broken"), {"my", "zeta"}, r3, [r4], fam) == (0.0, 0.0)


@pytest.fixture(scope="module")
def sibling_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    db = tmp_path_factory.mktemp("siblings") / "db"
    report = index([SourceSpec(KB, kind="docs")], db, embedder)
    assert report.documents == 11 and not report.errors
    return db


@pytest.fixture(scope="module")
def fitted(sibling_index: Path, embedder) -> SecondStage:
    store = IndexStore(sibling_index, create=False)
    try:
        stage, uids, report = fit_second_stage(store, embedder)
        assert report.queries > 0 and report.in_reach > 0
        stage.save(sibling_index / RERANK_DIR, uids)
        loaded = load_second_stage(store)
    finally:
        store.close()
    assert loaded is not None
    return loaded


def _top_titles(db: Path, embedder, settings: RetrievalSettings | None = None) -> list[str]:
    store = IndexStore(db, create=False)
    try:
        retriever = Retriever(store, embedder, settings)
        return [retriever.search(build_query(s, b)).hits[0].title for s, b, _ in SIBLING_TICKETS]
    finally:
        store.close()


@pytest.mark.slow
def test_second_stage_puts_the_right_sibling_first(
    sibling_index: Path, fitted: SecondStage, embedder
) -> None:
    """Fails with the second stage monkeypatched off: see the next test."""
    tops = _top_titles(sibling_index, embedder)
    assert tops == [want for _, _, want in SIBLING_TICKETS]


@pytest.mark.slow
def test_without_the_second_stage_a_sibling_wins(sibling_index: Path, fitted: SecondStage, embedder) -> None:
    """What the previous test would see with the stage off: the first stage alone mixes them up."""
    tops = _top_titles(sibling_index, embedder, RetrievalSettings(rerank=False))
    assert tops != [want for _, _, want in SIBLING_TICKETS]


@pytest.mark.slow
def test_fitting_is_deterministic(sibling_index: Path, embedder) -> None:
    """Two fits of the same KB: identical weights, confidence model and scores."""
    store = IndexStore(sibling_index, create=False)
    try:
        one, _, _ = fit_second_stage(store, embedder)
        two, _, _ = fit_second_stage(store, embedder)
        q = build_query(*SIBLING_TICKETS[1][:2])
        first = Retriever(store, embedder, RetrievalSettings(rerank=False)).first_stage(q)
        scores = [
            stage.scores(stage.features(q, first, first.candidates[:10])).tolist() for stage in (one, two)
        ]
    finally:
        store.close()
    assert np.array_equal(one.weights, two.weights)
    assert np.array_equal(one.confidence_weights, two.confidence_weights)
    assert scores[0] == scores[1]
    assert np.any(one.weights[1:] != 0), "the fit moved off the first stage's order"


@pytest.mark.slow
def test_an_index_without_a_second_stage_still_searches(
    sibling_index: Path, tmp_path: Path, embedder
) -> None:
    db = tmp_path / "db"
    shutil.copytree(sibling_index, db)
    shutil.rmtree(db / RERANK_DIR, ignore_errors=True)
    store = IndexStore(db, create=False)
    try:
        retriever = Retriever(store, embedder)
        assert retriever.second_stage is None
        result = retriever.search(build_query("Quill Hub", "How do I set up the Quill Hub?"))
    finally:
        store.close()
    assert result.hits and result.hits[0].title == "Set up the Quill Hub"
    assert 0.0 <= result.confidence <= 1.0


@pytest.mark.slow
def test_a_second_stage_fitted_to_other_content_is_not_used(
    sibling_index: Path, fitted: SecondStage, tmp_path: Path, embedder
) -> None:
    db = tmp_path / "db"
    shutil.copytree(sibling_index, db)
    kb = tmp_path / "kb"
    shutil.copytree(KB, kb)
    (kb / "Account" / "Change-your-password.md").write_text(
        "# Change your password\n\nIn Account settings.\n"
    )
    store = IndexStore(db, create=False)
    try:
        assert load_second_stage(store) is not None
    finally:
        store.close()
    # Same source path is what makes it the same KB: re-index the changed copy into a fresh db.
    db2 = tmp_path / "db2"
    index([SourceSpec(kb, kind="docs")], db2, embedder)
    shutil.copytree(db / RERANK_DIR, db2 / RERANK_DIR)
    store = IndexStore(db2, create=False)
    try:
        assert load_second_stage(store) is None
    finally:
        store.close()


@pytest.mark.slow
def test_assist_index_fits_it_keeps_it_and_removes_it(tmp_path: Path) -> None:
    """`assist-index --rerank` fits it beside the index; a re-run without the flag keeps it (not
    refitted: same content); `--no-rerank` removes it."""
    db = tmp_path / "db"
    cmd = [sys.executable, "-m", "assist.cli_index", str(KB), "--db", str(db), "--json"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.run([*cmd, "--rerank"], capture_output=True, text=True, timeout=600, env=env)
    assert first.returncode == 0, first.stderr
    model = db / RERANK_DIR / "model.json"
    fitted = json.loads(model.read_text())
    assert fitted["features"] and fitted["kb_hash"]
    mtime = model.stat().st_mtime_ns
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert again.returncode == 0, again.stderr
    assert model.stat().st_mtime_ns == mtime, "kept, and not fitted again for the same content"
    off = subprocess.run([*cmd, "--no-rerank"], capture_output=True, text=True, timeout=600, env=env)
    assert off.returncode == 0, off.stderr
    assert not (db / RERANK_DIR).exists()


@pytest.mark.slow
def test_nothing_found_with_the_second_stage_on_abstains(
    sibling_index: Path, fitted: SecondStage, embedder
) -> None:
    store = IndexStore(sibling_index, create=False)
    try:
        retriever = Retriever(store, embedder)
        assert retriever.second_stage is not None
        result = retriever.search(
            build_query("Quill Hub", "Set it up"), filters=SearchFilters(tags=("nowhere",))
        )
    finally:
        store.close()
    assert result.hits == () and result.abstained and result.confidence == 0.0
