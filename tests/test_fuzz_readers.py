"""Property-based tests: random and adversarial bytes, HTML and Markdown never make a reader, a
converter or the chunker raise anything but the documented skip, and always finish.

Each example runs under a hang detector (`_hang_guard`, a generous 60 s alarm): a timing bound on
nothing, only a way to turn a hang into a failure with the input that caused it. In CI the examples
are derandomised, so a run is reproducible; locally they are random.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.chunker import Chunker
from indexer.convert import html_to_markdown
from indexer.documents import DocRef, RawDocument
from indexer.sources import SkipFile, open_tree
from indexer.sources._filetext import docx_to_markdown, pdf_to_markdown
from indexer.sources.docs import DocsReader
from indexer.sources.notion import _read_csv

settings.register_profile(
    "assist",
    max_examples=40,
    deadline=None,  # never a timing assertion; hangs are caught by the guard below
    database=None,
    derandomize=os.environ.get("CI", "").lower() in {"1", "true", "yes"},
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
settings.load_profile("assist")


class HangError(Exception):
    pass


@contextlib.contextmanager
def _hang_guard(seconds: int = 60) -> Iterator[None]:
    def fire(signum, frame):
        raise HangError(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- strategies -------------------------------------------------------------------------------------

_HTML_PIECES = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<span>",
        "<table>",
        "<tr>",
        "<td>",
        "</td>",
        "<ul>",
        "<li>",
        "<pre>",
        "</pre>",
        "<code>",
        "<details>",
        "<summary>",
        "<a href='x'>",
        "</a>",
        "<h2>",
        "</h2>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "<br>",
        "<img alt='x'>",
        "&amp;",
        "&#0;",
        "<![CDATA[",
        "text ",
        "Wi-Fi E-104 ",
        "\n",
        "<",
        ">",
        "'",
        '"',
        "<b>",
        "**",
        "|",
    ]
)
_MD_PIECES = st.sampled_from(
    [
        "*",
        "**",
        "_",
        "__",
        "[",
        "]",
        "(",
        ")",
        "|",
        "`",
        "```",
        "~~~",
        "#",
        "## ",
        "> ",
        "- ",
        "1. ",
        "  ",
        "\n",
        "\n\n",
        "<details>",
        "<summary>Q?</summary>",
        "---\n",
        "title: x\n",
        "word ",
        "Step ",
        "**Why?**\n",
        "<!-- page 2 -->\n",
        "\\",
        "!",
        "[x](y)",
        "\t",
        "\r\n",
        "é",
        "\u200b",
        "\x00",
    ]
)


def _repeated(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Pieces glued together, sometimes each repeated many times (the shape that makes parsers slow)."""
    return st.lists(st.tuples(pieces, st.integers(1, 3000)), max_size=30).map(
        lambda parts: "".join(p * n for p, n in parts)
    )


_HTML = st.one_of(st.text(max_size=2000), _repeated(_HTML_PIECES))
_MARKDOWN = st.one_of(st.text(max_size=2000), _repeated(_MD_PIECES))
_BYTES = st.one_of(
    st.binary(max_size=4000),
    _repeated(_MD_PIECES).map(lambda s: s.encode("utf-8", "surrogatepass")),
    _repeated(_HTML_PIECES).map(lambda s: s.encode("utf-16")),
)


def _load(tmp_path: Path, name: str, data: bytes) -> RawDocument | None:
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / name).write_bytes(data)
    tree = open_tree(folder)
    reader = DocsReader()
    refs = reader.scan(tree, [])
    try:
        return reader.load(refs[0]) if refs else None
    except SkipFile:
        return None  # the documented skip, with its reason
    finally:
        tree.close()


# -- readers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".md", ".html", ".txt", ".rst"])
@given(data=_BYTES)
def test_docs_reader_loads_or_skips_any_bytes(tmp_path: Path, suffix: str, data: bytes) -> None:
    with _hang_guard():
        doc = _load(tmp_path, f"page{suffix}", data)
    if doc is not None:
        assert doc.title.strip()
        assert doc.markdown.strip()


@given(text=_MARKDOWN)
def test_docs_reader_loads_or_skips_adversarial_markdown(tmp_path: Path, text: str) -> None:
    with _hang_guard():
        doc = _load(tmp_path, "page.md", text.encode("utf-8", "surrogatepass"))
    assert doc is None or doc.markdown.strip()


@given(html=_HTML)
def test_html_converter_never_raises(html: str) -> None:
    with _hang_guard():
        out = html_to_markdown(html)
    assert isinstance(out, str)


@given(data=st.binary(max_size=3000))
def test_office_converters_raise_only_their_documented_value_error(data: bytes) -> None:
    for convert in (pdf_to_markdown, docx_to_markdown):
        with _hang_guard(), contextlib.suppress(ValueError):
            convert(b"%PDF-1.4\n" + data if convert is pdf_to_markdown else b"PK\x03\x04" + data)


@given(data=_BYTES)
def test_notion_csv_reads_or_raises_what_the_reader_catches(data: bytes) -> None:
    with _hang_guard(), contextlib.suppress(ValueError, csv.Error):
        _header, rows = _read_csv(data)
        assert all(isinstance(values, dict) for values, _ in rows)


# -- the chunker ---------------------------------------------------------------------------------------


def _count_words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


@given(text=_MARKDOWN, title=st.text(max_size=300))
def test_chunker_keeps_every_chunk_within_the_embedder_limit(text: str, title: str) -> None:
    from indexer.bounds import tame_text

    doc = RawDocument(key="k", path="p.md", title=title or "t", markdown=tame_text(text))
    chunker = Chunker(_count_words, 128, target_tokens=64)
    with _hang_guard():
        chunks = chunker.chunk(doc, "uid")
    for chunk in chunks:
        assert _count_words([chunk.embed_text])[0] <= 128
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_docs_reader_refs_are_stable(tmp_path: Path) -> None:
    """The fuzzed loader above goes through scan → load like the pipeline does."""
    (tmp_path / "a.md").write_text("# A\n\ntext")
    reader = DocsReader()
    refs = reader.scan(open_tree(tmp_path), [])
    assert refs == [DocRef(key="file:a.md", path="a.md", fingerprint=refs[0].fingerprint)]
