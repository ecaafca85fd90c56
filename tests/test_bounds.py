"""Bounds on the work one file may cost: size, shape (depth, long lines, punctuation runs) and time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.bounds import MAX_LINE_CHARS, FileLimits, flatten_deep_html, tame_text
from indexer.chunker import Chunker
from indexer.documents import DocRef
from indexer.isolation import IsolatedLoader, LoadRequest
from tests.helpers.hostile import GOOD, write_hostile_folder
from tests.helpers.misbehaving_reader import make_misbehaving_reader

REPO = Path(__file__).resolve().parents[1]


# -- HTML depth and element count --------------------------------------------------------------


def _depth(html: str) -> int:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    deepest, stack = 0, [(soup, 0)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in getattr(node, "contents", []) if getattr(c, "name", None))
    return deepest


def test_deep_nesting_is_flattened_keeping_all_text():
    html = "<div>" * 5000 + "<p>deep text</p>" + "</div>" * 5000 + "<p>after</p>"
    out, changed = flatten_deep_html(html, max_depth=48)
    assert changed
    assert _depth(out) <= 50
    assert "deep text" in out and "after" in out


def test_shallow_html_is_returned_unchanged():
    html = "<html><body>" + "<div><p>para</p></div>" * 10 + "</body></html>"
    assert flatten_deep_html(html) == (html, False)


def test_elements_past_the_budget_become_text():
    html = "<table>" + "<tr><td>cell</td></tr>" * 30_000 + "</table><p>tail words</p>"
    out, changed = flatten_deep_html(html, max_elements=1000)
    assert changed
    assert out.count("<td>") <= 1000
    assert out.count("cell") == 30_000 and "tail words" in out


def test_unbalanced_end_tags_do_not_pop_the_whole_stack():
    html = "<div>" * 60 + "</span>" * 1000 + "x" + "</div>" * 60
    out, _ = flatten_deep_html(html, max_depth=48)
    assert _depth(out) <= 50 and "x" in out


# -- long lines and punctuation runs ------------------------------------------------------------


@pytest.mark.parametrize("char", list("*_[|`~#=<>\\"))
def test_long_punctuation_runs_are_shortened(char):
    text = f"before {char * 100_000} after"
    out = tame_text(text)
    assert len(out) < 100 and out.startswith("before ") and out.endswith(" after")


def test_long_lines_are_broken_at_spaces_or_hard():
    prose = " ".join(["word"] * 5000)
    out = tame_text(prose + "\n" + "x" * 10_000)
    assert all(len(line) <= MAX_LINE_CHARS for line in out.split("\n"))
    assert out.replace("\n", " ").split().count("word") == 5000
    assert out.count("x") == 10_000


def test_ordinary_text_is_the_same_object():
    text = "# Title\n\nA | table | row\n\n**bold** and `code` ___ --- ***\n"
    assert tame_text(text) is text


# -- the per-file time budget -----------------------------------------------------------------


def _count_words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def test_a_file_over_the_time_budget_is_skipped_and_the_next_file_still_loads(tmp_path: Path):
    for name in ("a.md", "hang.md", "crash.md", "b.md"):
        (tmp_path / name).write_text(f"# {name}\n\nSome text about {name}.\n")
    chunker = Chunker(_count_words, 256)
    limits = FileLimits(seconds_per_file=1.0)
    results = {}
    with IsolatedLoader(chunker, limits, reader_factory=make_misbehaving_reader) as loader:
        for name in ("a.md", "hang.md", "crash.md", "b.md"):
            ref = DocRef(key=f"file:{name}", path=name, fingerprint="x")
            results[name] = loader.load(LoadRequest(str(tmp_path), "docs", None, ref, f"uid-{name}"))
    assert results["a.md"].doc is not None and results["a.md"].chunks
    assert results["hang.md"].doc is None
    assert results["hang.md"].skip_reason == "took longer than 1 s to parse (per-file time budget)"
    assert results["crash.md"].doc is None and "crashed" in (results["crash.md"].skip_reason or "")
    assert results["b.md"].doc is not None and "b.md" in results["b.md"].doc.markdown


# -- a folder of hostile files, end to end ---------------------------------------------------------


@pytest.mark.slow
def test_hostile_folder_indexes_its_good_files_and_skips_every_hostile_one(tmp_path: Path):
    kb = tmp_path / "kb"
    good, hostile = write_hostile_folder(kb)
    db = tmp_path / "db"
    cmd = [sys.executable, "-m", "indexer.cli", str(kb), "--db", str(db), "--json", "--file-timeout", "60"]
    # A hang detector, not a timing assertion: before the bounds this run did not finish in 200 s.
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["hostile/huge.html"].startswith("larger than 20 MB")
    for rel in ("hostile/binary.txt", "hostile/corrupt.pdf", "hostile/corrupt.docx", "hostile/empty.md"):
        assert rel in skipped, rel
    assert report["added"] >= len(GOOD)

    from indexer.store import IndexStore

    store = IndexStore(db, create=False)
    try:
        indexed = {rec.path for rec in store.docs().values()}
    finally:
        store.close()
    assert set(good) <= indexed
    # Every hostile file was either skipped with a reason or indexed as (bounded) text; none is lost
    # track of, and none stopped the run.
    assert set(hostile) <= set(skipped) | indexed
    # The nested <div>s were flattened, and their text indexed.
    assert "hostile/nested-divs.html" in indexed


def test_a_file_with_more_passages_than_the_cap_is_skipped_before_embedding(tmp_path: Path, embedder):
    from indexer.pipeline import SourceSpec, index

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "small.md").write_text("# Small\n\nOne short page.\n")
    paragraphs = [f"Paragraph {i}. " + "text " * 150 for i in range(40)]
    (kb / "book.md").write_text("# Book\n\n" + "\n\n".join(paragraphs))
    report = index([SourceSpec(kb)], tmp_path / "db", embedder, limits=FileLimits(max_chunks_per_file=10))
    skipped = {s.path: s.reason for s in report.skipped}
    assert skipped["book.md"].startswith("yields ") and "more than the 10 allowed" in skipped["book.md"]
    assert report.added == 1 and report.chunks == 1


def test_markup_html_parser_rejects_is_read_as_text():
    """Found by the fuzz test: html.parser raises ParserRejectedMarkup on a broken "<![" declaration;
    the text must still be read (as text), not crash the reader."""
    from indexer.convert import html_to_markdown

    markdown = html_to_markdown("<div><p>Reset the hub</p>" + "<![CDATA[" * 40 + "<![\nCDATA[</div>")
    assert "Reset the hub" in markdown
