"""Chunking: heading paths, whole code blocks and tables, and the embedder's hard input limit."""

from __future__ import annotations

import pytest

from indexer.chunker import Chunker, split_sections
from indexer.convert import html_to_markdown
from indexer.documents import RawDocument
from models.embedder import SentenceTransformerEmbedder


@pytest.fixture(scope="module")
def tokenizer_only() -> SentenceTransformerEmbedder:
    # Token counting only: no torch is loaded for these tests.
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def chunker(tokenizer_only: SentenceTransformerEmbedder) -> Chunker:
    return Chunker(tokenizer_only.count_tokens, tokenizer_only.max_tokens, target_tokens=200)


def _doc(markdown: str, title: str = "Reset the hub") -> RawDocument:
    return RawDocument(key="k", path="a.md", title=title, markdown=markdown)


def test_heading_paths_follow_nesting() -> None:
    md = "Intro\n\n## Setup\n\nS\n\n### Linux\n\nL\n\n## Usage\n\nU\n"
    paths = [s.heading_path for s in split_sections(md)]
    assert paths == [(), ("Setup",), ("Setup", "Linux"), ("Usage",)]


def test_bold_faq_questions_start_their_own_sections() -> None:
    md = (
        "Answers to common questions.\n\n"
        "* **Can I pair two hubs?**\n\n  Yes, up to four.\n"
        "* **Why is Night mode grey in the app?**\n\n  It needs firmware 2.1.\n\n"
        "**Note**\n\nA bold line that is not a question stays text.\n\n"
        "## Limits\n\nL\n"
    )
    sections = split_sections(md)
    assert [s.heading_path for s in sections] == [
        (),
        ("Can I pair two hubs?",),
        ("Why is Night mode grey in the app?",),
        ("Limits",),
    ]
    # The question's answer travels with it; a bold non-question is just text of that section.
    assert sections[2].blocks[0].text == "It needs firmware 2.1."  # no list indent left
    assert any("**Note**" in b.text for b in sections[2].blocks)


def test_faq_question_nests_under_its_heading_and_a_heading_closes_it() -> None:
    md = "## Billing\n\n- **Do you refund?**\n\n  Within 30 days.\n\n## Shipping\n\nS\n"
    assert [s.heading_path for s in split_sections(md)] == [
        ("Billing",),
        ("Billing", "Do you refund?"),
        ("Shipping",),
    ]


def test_html_toggle_questions_become_sections_too() -> None:
    html = (
        "<p>Intro.</p><ul class='toggle'><li><details open=''><summary>Can I pair two hubs?</summary>"
        "<p>Yes, up to four.</p></details></li></ul>"
        "<details><summary>Why is <b>Away</b> mode grey?</summary><p>It needs a sensor.</p></details>"
    )
    sections = split_sections(html_to_markdown(html))
    assert [(s.heading_path, [b.text for b in s.blocks]) for s in sections] == [
        ((), ["Intro."]),
        (("Can I pair two hubs?",), ["Yes, up to four."]),
        (("Why is Away mode grey?",), ["It needs a sensor."]),
    ]


def test_every_chunk_fits_the_model_and_nothing_is_lost(chunker: Chunker, tokenizer_only) -> None:
    words = " ".join(f"word{i}" for i in range(3000))
    sentences = " ".join(f"Sentence number {i} explains step {i} of the procedure." for i in range(300))
    md = f"## Long paragraph\n\n{sentences}\n\n## One giant line\n\n{words}\n\n## Hash\n\n{'ab' * 5000}\n"
    chunks = chunker.chunk(_doc(md), "uid")
    sizes = tokenizer_only.count_tokens([c.embed_text for c in chunks])
    assert max(sizes) <= tokenizer_only.max_tokens
    joined = " ".join(c.text for c in chunks)
    for probe in ("word0", "word1500", "word2999", "Sentence number 299", "abab"):
        assert probe in joined
    # Long sections become several chunks, all with their heading.
    assert {c.heading for c in chunks} == {"Long paragraph", "One giant line", "Hash"}


def test_code_block_and_table_stay_whole_when_they_fit(chunker: Chunker) -> None:
    code = "```bash\nlumen-cli reset --factory\nlumen-cli status\n```"
    table = "| LED | Meaning |\n|---|---|\n| red | offline |\n| green | ok |"
    filler = "Some explanation. " * 60
    md = f"## Fix\n\n{filler}\n\n{code}\n\n{filler}\n\n{table}\n"
    chunks = chunker.chunk(_doc(md), "uid")
    assert any(code in c.text for c in chunks)
    assert any(table in c.text for c in chunks)


def test_oversized_table_splits_on_rows_and_repeats_header(chunker: Chunker, tokenizer_only) -> None:
    rows = "\n".join(
        f"| E-{i:03d} | The hub reports condition number {i} and needs a restart |" for i in range(120)
    )
    md = f"## Error codes\n\n| Code | Meaning |\n|---|---|\n{rows}\n"
    chunks = chunker.chunk(_doc(md), "uid")
    assert len(chunks) > 1
    for c in chunks:
        assert c.text.startswith("| Code | Meaning |\n|---|---|")
    assert max(tokenizer_only.count_tokens([c.embed_text for c in chunks])) <= tokenizer_only.max_tokens
    assert sum(c.text.count("| E-") for c in chunks) == 120


def test_oversized_code_block_keeps_its_fence_and_language(chunker: Chunker) -> None:
    body = "\n".join(f'  "option_{i}": {i},' for i in range(400))
    md = f"## Config\n\n```json\n{{\n{body}\n}}\n```\n"
    chunks = chunker.chunk(_doc(md), "uid")
    assert len(chunks) > 1
    assert all(c.text.startswith("```json\n") and c.text.endswith("\n```") for c in chunks)


def test_pdf_page_markers_become_chunk_pages(chunker: Chunker) -> None:
    md = "<!-- page 1 -->\n\nFirst page text.\n\n<!-- page 2 -->\n\n## Warranty\n\nSecond page text.\n"
    chunks = chunker.chunk(_doc(md), "uid")
    by_text = {c.text: c.page for c in chunks}
    assert by_text["First page text."] == 1
    assert by_text["Second page text."] == 2
    assert all("<!--" not in c.text for c in chunks)


def test_ids_are_deterministic_and_embed_text_carries_title(chunker: Chunker) -> None:
    md = "## A\n\ntext a\n\n## B\n\ntext b\n"
    first = chunker.chunk(_doc(md), "uid-1")
    again = chunker.chunk(_doc(md), "uid-1")
    other = chunker.chunk(_doc(md), "uid-2")
    assert [c.id for c in first] == [c.id for c in again]
    assert {c.id for c in first}.isdisjoint({c.id for c in other})
    assert first[1].embed_text.startswith("Reset the hub\nB\n\n")


def test_title_only_page_is_still_a_chunk(chunker: Chunker) -> None:
    chunks = chunker.chunk(_doc("", title="Hardware Support"), "uid")
    assert [c.text for c in chunks] == ["Hardware Support"]


def test_a_table_whose_header_alone_fills_the_budget_is_not_repeated_per_piece(chunker: Chunker) -> None:
    # A 3,000-column header: repeating it on every piece left each piece a few tokens and made the
    # chunk count explode (a hostile file took over a minute to chunk).
    header = "| " + " | ".join(f"col{i}" for i in range(3000)) + " |"
    rule = "|" + "---|" * 3000
    rows = "\n".join("| " + " | ".join(f"v{r}x{c}" for c in range(5)) + " |" for r in range(200))
    chunks = chunker.chunk(_doc(f"{header}\n{rule}\n{rows}\n"), "uid")
    counts = chunker.count_tokens([c.embed_text for c in chunks])
    assert max(counts) <= chunker.max_tokens
    total_tokens = sum(chunker.count_tokens([header, rule, rows]))
    # Every piece carries a fair share of the budget: no more pieces than twice the minimum.
    assert len(chunks) <= 2 * (total_tokens // (chunker.max_tokens - 40) + 1)
