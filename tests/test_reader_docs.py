"""DocsReader on the generated KB docs folder and on bad or unusual files made in tmp_path."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from indexer.documents import RawDocument, Skipped
from indexer.sources import SkipFile, detect_kind, open_tree
from indexer.sources.docs import DocsReader, parse_date

SHARED = Path(__file__).resolve().parents[2] / "shared"
KB = SHARED / "data" / "exports" / "kb"
DOCS = KB / "docs"

needs_kb = pytest.mark.skipif(not DOCS.exists(), reason="shared KB docs folder absent")


def norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def load_all(source: Path, **options: str) -> tuple[dict[str, RawDocument], dict[str, str]]:
    """(documents by path, skip reasons by path)."""
    reader = DocsReader(**options)
    skipped: list[Skipped] = []
    refs = reader.scan(open_tree(source), skipped)
    docs: dict[str, RawDocument] = {}
    reasons = {s.path: s.reason for s in skipped}
    for ref in refs:
        try:
            docs[ref.path] = reader.load(ref)
        except SkipFile as exc:
            reasons[ref.path] = str(exc)
    return docs, reasons


@pytest.fixture(scope="module")
def kb_docs() -> dict[str, RawDocument]:
    if not DOCS.exists():
        pytest.skip("shared KB docs folder absent")
    docs, reasons = load_all(DOCS)
    assert reasons == {}
    return docs


def manifest_docs() -> list[dict[str, str]]:
    lines = (KB / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    return [e for e in entries if e["file"].startswith("docs/")]


# -- the KB docs folder ---------------------------------------------------------------------------


@needs_kb
def test_detected_as_docs() -> None:
    assert detect_kind(open_tree(DOCS)) == "docs"


@needs_kb
def test_every_manifest_article_is_a_document(kb_docs: dict[str, RawDocument]) -> None:
    entries = manifest_docs()
    assert {e["format"] for e in entries} == {"md", "html", "txt", "docx", "pdf"}
    assert len(entries) == 92
    for entry in entries:
        path = entry["file"].removeprefix("docs/")
        doc = kb_docs.get(path)
        assert doc is not None, path
        assert norm(doc.title) == norm(entry["title"]), (doc.title, entry["title"])
        assert doc.key == f"file:{path}"
        assert doc.markdown.strip()
        assert doc.hierarchy == tuple(path.split("/")[:-1])
        assert doc.properties["file_type"] == entry["format"]
    # Images under img/ are not documents.
    assert len(kb_docs) == 92


@needs_kb
def test_titles_match_exactly(kb_docs: dict[str, RawDocument]) -> None:
    exact = sum(kb_docs[e["file"].removeprefix("docs/")].title == e["title"] for e in manifest_docs())
    assert exact == len(manifest_docs())


@needs_kb
def test_html_site_chrome_is_gone(kb_docs: dict[str, RawDocument]) -> None:
    html_docs = [d for d in kb_docs.values() if d.properties["file_type"] == "html"]
    assert len(html_docs) == 14
    chrome = [
        "We use cookies",  # cookie banner
        "Accept all",
        "Manage preferences",
        "Content adapted from the",  # footer
        "Privacy policy",
        "Sign in",  # top nav
        "Contact us](/contact)",
        "How can we help?",  # search form
        "dataLayer",  # script
        "gtag(",
        "Related articles",  # related links
        "Was this article helpful?",  # votes
        "body{font-family",  # style
        "](/categories/",  # breadcrumbs
        "– Help Center",
    ]
    for doc in html_docs:
        for text in chrome:
            assert text not in doc.markdown, (doc.title, text)
        assert not doc.markdown.lstrip().startswith("# "), doc.title  # the h1 is the title, not body


@needs_kb
def test_html_article_content_and_metadata(kb_docs: dict[str, RawDocument]) -> None:
    doc = kb_docs["About Arduino/My Arduino Account/Reset-the-password-for-your-Arduino-account.html"]
    assert doc.title == "Reset the password for your Arduino account"
    assert "## Reset the password for your account" in doc.markdown
    assert "1. Go to [login.arduino.cc/login](https://login.arduino.cc/login)." in doc.markdown
    assert "Updated September" not in doc.markdown
    assert doc.updated == "2022-09-19"
    assert doc.properties["article_id"] == "360011787880"
    assert doc.hierarchy == ("About Arduino", "My Arduino Account")


@needs_kb
def test_front_matter_title_and_properties(kb_docs: dict[str, RawDocument]) -> None:
    doc = kb_docs["About Arduino/Licensing & Counterfeits/How-to-spot-a-counterfeit-Arduino.md"]
    assert doc.title == "How to spot a counterfeit Arduino"
    assert doc.properties["id"] == "360020652100"
    assert not doc.markdown.startswith("---")
    assert "title:" not in doc.markdown
    # GitHub alerts read like the other readers' labelled callouts.
    assert "> **Note:**" in doc.markdown and "[!NOTE]" not in doc.markdown


@needs_kb
def test_markdown_html_blocks_are_converted(kb_docs: dict[str, RawDocument]) -> None:
    doc = kb_docs["Custom/Hubs/Hardware-Support.md"]
    assert "<div" not in doc.markdown and "<img" not in doc.markdown and "<form" not in doc.markdown
    assert "## General troubleshooting" in doc.markdown
    assert "[Fix port access on Linux](https://support.arduino.cc/" in doc.markdown


@needs_kb
def test_pdf_page_markers_and_metadata(kb_docs: dict[str, RawDocument]) -> None:
    doc = kb_docs["About Arduino/Licensing & Counterfeits/Licensing-for-products-based-on-Arduino.pdf"]
    assert doc.title == "Licensing for products based on Arduino"
    markers = re.findall(r"^<!-- page (\d+) -->$", doc.markdown, re.MULTILINE)
    assert markers == ["1", "2", "3"]
    assert doc.author == "Sara Lindqvist"
    assert doc.updated and doc.updated.startswith("2025-10-16")
    assert doc.url == "https://support.arduino.cc/hc/en-us/articles/4415094490770"
    assert not re.search(r"Page \d+/\d+", doc.markdown)  # running footers dropped
    assert "About Arduino › Licensing" not in doc.markdown  # breadcrumb line = hierarchy


@needs_kb
def test_docx_headings_and_title(kb_docs: dict[str, RawDocument]) -> None:
    doc = kb_docs[
        "About Arduino/Arduino Security Bulletins/ASEC-24-001-Vulnerabilities-in-ArduinoModbus-Library.docx"
    ]
    assert doc.title == "ASEC-24-001 Vulnerabilities in ArduinoModbus Library"
    assert re.search(r"^#+ Summary$", doc.markdown, re.MULTILINE)
    assert "CVE-2022-0367" in doc.markdown
    assert not doc.markdown.startswith("# ASEC-24-001")  # the title is not repeated in the body
    assert (doc.updated or "").startswith("2025-01-31")  # core properties
    assert doc.author == "Jonas Weber"
    assert doc.url == "https://support.arduino.cc/hc/en-us/articles/12736735312796"  # closing "Source:" line


@needs_kb
def test_txt_title_and_headings(kb_docs: dict[str, RawDocument]) -> None:
    doc = kb_docs["Education and Kits/EDU General/About-teacher-notes-in-Arduino-Education-courses.txt"]
    assert doc.title == "About teacher notes in Arduino Education courses"
    assert "## Accessing teacher notes" in doc.markdown
    assert "=====" not in doc.markdown
    assert "Education and Kits > EDU General" not in doc.markdown


@needs_kb
def test_base_url_builds_urls(tmp_path: Path) -> None:
    docs, _ = load_all(DOCS, base_url="https://kb.example.com/docs/")
    doc = docs["Custom/Hubs/Cloud-Support.html"]
    assert doc.url == "https://kb.example.com/docs/Custom/Hubs/Cloud-Support.html"


@needs_kb
def test_zip_of_docs_reads_the_same(tmp_path: Path, kb_docs: dict[str, RawDocument]) -> None:
    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(DOCS.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(DOCS).as_posix())
    docs, reasons = load_all(archive)
    assert reasons == {}
    assert {p: d.title for p, d in docs.items()} == {p: d.title for p, d in kb_docs.items()}


# -- bad and unusual inputs -----------------------------------------------------------------------


def test_binary_junk_with_text_extensions_is_skipped(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 40
    (tmp_path / "notes.md").write_bytes(junk)
    (tmp_path / "readme.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + junk)
    (tmp_path / "photo.png").write_bytes(junk)  # not a text type: ignored, not reported
    docs, reasons = load_all(tmp_path)
    assert docs == {}
    assert reasons == {"notes.md": "binary content, not text", "readme.txt": "binary content, not text"}


def test_empty_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n")
    (tmp_path / "bom-only.md").write_bytes(b"\xef\xbb\xbf\n")
    (tmp_path / "title-only.md").write_text("---\ntitle: Soon\n---\n", encoding="utf-8")
    docs, reasons = load_all(tmp_path)
    assert docs == {}
    assert reasons == {
        "empty.md": "empty file",
        "blank.txt": "empty file",
        "bom-only.md": "empty file",
        "title-only.md": "no text besides the title",
    }


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "menu.txt").write_bytes(
        "Café opening hours\n\nThe café opens at 8:00 – déjà vu.\n".encode("cp1252")
    )
    docs, reasons = load_all(tmp_path)
    assert reasons == {}
    doc = docs["menu.txt"]
    assert doc.title == "Café opening hours"
    assert "The café opens at 8:00 – déjà vu." in doc.markdown


def test_utf16_text_with_bom_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "wide.md").write_bytes("# Crème brûlée\n\nNaïve résumé.\n".encode("utf-16"))
    docs, _ = load_all(tmp_path)
    assert docs["wide.md"].title == "Crème brûlée"
    assert "Naïve résumé." in docs["wide.md"].markdown


def test_markdown_titles(tmp_path: Path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "a.md").write_text(
        "---\ntitle: Reset a router\ntags: [network, router]\nupdated: 2024-03-05\nowner: Ann\n---\n"
        "\nBody.\n",
        encoding="utf-8",
    )
    (tmp_path / "guides" / "b.md").write_text("# Heading title\n\nBody b.\n", encoding="utf-8")
    (tmp_path / "guides" / "c_no-title.md").write_text("Just text.\n", encoding="utf-8")
    docs, _ = load_all(tmp_path)
    a, b, c = docs["guides/a.md"], docs["guides/b.md"], docs["guides/c_no-title.md"]
    assert (a.title, a.tags, a.updated, a.author) == (
        "Reset a router",
        ("network", "router"),
        "2024-03-05",
        "Ann",
    )
    assert a.hierarchy == ("guides",)
    assert a.markdown.strip() == "Body."
    assert b.title == "Heading title" and b.markdown.strip() == "Body b."
    assert c.title == "c no title"


def test_txt_without_title_line_uses_file_name(tmp_path: Path) -> None:
    (tmp_path / "router-reset.txt").write_text(
        "Unplug the router for ten seconds, then plug it back in.\nWait for the light.\n", encoding="utf-8"
    )
    docs, _ = load_all(tmp_path)
    assert docs["router-reset.txt"].title == "router reset"
    assert "Unplug the router" in docs["router-reset.txt"].markdown


def test_rst_headings_and_code_block(tmp_path: Path) -> None:
    rst = """\
===============
Upgrade guide
===============

Intro text with ``inline code`` and `a link <https://example.com>`_.

Before you start
================

.. note::
   Back up your data first.

Install it:

.. code-block:: bash
   :linenos:

   pip install thing
   thing --version

Details
-------

Literal block::

    raw text here

.. image:: picture.png
"""
    (tmp_path / "guide.rst").write_text(rst, encoding="utf-8")
    docs, _ = load_all(tmp_path)
    doc = docs["guide.rst"]
    assert doc.title == "Upgrade guide"
    md = doc.markdown
    assert "## Before you start" in md
    assert "### Details" in md
    assert "```bash\npip install thing\nthing --version\n```" in md
    assert "> **Note:**" in md and "Back up your data first." in md
    assert "```\nraw text here\n```" in md
    assert "Literal block:" in md
    assert "`inline code`" in md and "[a link](https://example.com)" in md
    assert "====" not in md and ".. " not in md and "picture.png" not in md


def test_html_without_main_uses_content_and_title_suffix(tmp_path: Path) -> None:
    html = """<html><head><title>Printer setup | Acme Support</title><script>var x = 'secret';</script></head>
<body><div class="cookie-consent">We use cookies. Accept?</div>
<div id="navbar"><a href="/">Home</a></div>
<div class="layout"><div class="sidebar"><ul><li>Other article</li></ul></div>
<div class="content-area"><p>Connect the printer over USB.</p><p>Then install the driver from the CD.</p>
<pre><code class="language-bash">sudo lpadmin -p acme</code></pre></div></div>
<footer>© Acme</footer></body></html>"""
    (tmp_path / "printer.htm").write_text(html, encoding="utf-8")
    docs, _ = load_all(tmp_path)
    doc = docs["printer.htm"]
    assert doc.title == "Printer setup"
    assert "Connect the printer over USB." in doc.markdown
    assert "```bash\nsudo lpadmin -p acme\n```" in doc.markdown
    for chrome in ("cookies", "secret", "Other article", "© Acme"):
        assert chrome not in doc.markdown


def test_broken_pdf_and_docx_are_skipped_with_reason(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a real docx")
    docs, reasons = load_all(tmp_path)
    assert docs == {}
    assert "PDF" in reasons["broken.pdf"]
    assert "DOCX" in reasons["broken.docx"]


def test_hidden_folders_and_unknown_types_are_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.txt").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (tmp_path / "style.css").write_text("body{}", encoding="utf-8")
    (tmp_path / "app.js").write_text("alert(1)", encoding="utf-8")
    (tmp_path / "ok.md").write_text("# OK\n\nFine.\n", encoding="utf-8")
    docs, reasons = load_all(tmp_path)
    assert list(docs) == ["ok.md"] and reasons == {}


def test_parse_date() -> None:
    assert parse_date("February 22, 2022 1:40 PM") == "2022-02-22T13:40"
    assert parse_date("@April 21, 2022 8:45 PM") == "2022-04-21T20:45"
    assert parse_date("12 October 2023") == "2023-10-12"
    assert parse_date("2024-03-05") == "2024-03-05"
    assert parse_date("D:20231012135100Z") == "2023-10-12T13:51"
    assert parse_date("May 2, 2023 → May 5, 2023") == "2023-05-02"
    assert parse_date("soon") is None


def test_html_article_header_title_and_date(tmp_path: Path) -> None:
    html = """<html><head><title>Wi-Fi bands – Acme Help</title></head><body>
<header class="site"><h1 class="logo">Acme</h1></header>
<main><article><header><h1>Supported Wi-Fi bands</h1>
<p class="meta">Last updated <time datetime="2024-05-06">May 6</time></p></header>
<p>Only 2.4 GHz networks are supported.</p></article>
<aside class="related-articles"><a href="/x">Reset Wi-Fi</a></aside></main></body></html>"""
    (tmp_path / "wifi.html").write_text(html, encoding="utf-8")
    doc = load_all(tmp_path)[0]["wifi.html"]
    assert doc.title == "Supported Wi-Fi bands"
    assert doc.updated == "2024-05-06"
    assert doc.markdown.strip() == "Only 2.4 GHz networks are supported."
