"""Confluence HTML export reader and the PDF/DOCX text helpers, on real and synthetic exports."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from indexer.documents import DocRef, RawDocument, Skipped
from indexer.sources import SkipFile, detect_kind, open_tree
from indexer.sources._filetext import docx_to_markdown, file_to_markdown, pdf_to_markdown
from indexer.sources.confluence import ConfluenceReader, looks_like_confluence

# -- helpers --------------------------------------------------------------------------------------


def _pdf(pages: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for text in pages:
        if text:
            pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _scan(source: Path, base_url: str | None = None) -> tuple[ConfluenceReader, list[DocRef], list[Skipped]]:
    reader = ConfluenceReader(base_url=base_url)
    tree = open_tree(source)
    skipped: list[Skipped] = []
    return reader, reader.scan(tree, skipped), skipped


def _by_key(refs: list[DocRef]) -> dict[str, DocRef]:
    return {r.key: r for r in refs}


# -- the generated SUPKB export (265 pages, 8 PDF notes) ------------------------------------------


@pytest.fixture(scope="module")
def kb(shared_dir: Path) -> Path:
    path = shared_dir / "data" / "exports" / "kb"
    if not (path / "confluence" / "SUPKB").is_dir():
        pytest.skip("Confluence test export not present")
    return path


@pytest.fixture(scope="module")
def manifest(kb: Path) -> list[dict[str, str]]:
    lines = (kb / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def folder_scan(kb: Path) -> tuple[ConfluenceReader, list[DocRef], list[Skipped]]:
    return _scan(kb / "confluence" / "SUPKB")


@pytest.fixture(scope="module")
def folder_docs(folder_scan: tuple[ConfluenceReader, list[DocRef], list[Skipped]]) -> dict[str, RawDocument]:
    reader, refs, _ = folder_scan
    return {ref.key: reader.load(ref) for ref in refs}


def test_detected_as_confluence_folder_and_zip(kb: Path) -> None:
    for source in (kb / "confluence" / "SUPKB", kb / "confluence" / "SUPKB-html-export.zip"):
        with open_tree(source) as tree:
            assert looks_like_confluence(tree)
            assert detect_kind(tree) == "confluence"


def test_other_exports_are_not_confluence(kb: Path) -> None:
    with open_tree(kb / "docs") as tree:
        assert not looks_like_confluence(tree)
    notion = next((kb / "notion").glob("Export-*"), None)
    if notion is not None:
        with open_tree(notion) as tree:
            assert not looks_like_confluence(tree)


def test_every_page_file_is_one_page_document(kb: Path, folder_scan, manifest) -> None:
    _, refs, skipped = folder_scan
    space = kb / "confluence" / "SUPKB"
    page_files = sorted(p.name for p in space.glob("*.html") if p.name != "index.html")
    pages = [r for r in refs if r.key.startswith("page:")]
    assert len(page_files) == 265
    assert sorted(r.path for r in pages) == page_files
    # Every article the generator put in Confluence is there, under its page id.
    expected = {e["file"].split("/")[-1]: e["page_id"] for e in manifest if e["format"] == "confluence"}
    assert len(expected) == 244
    by_path = {r.path: r for r in pages}
    for name, page_id in expected.items():
        assert by_path[name].key == f"page:{page_id}"
    assert skipped == []  # images, styles and index.html are not documents and not worth a report line


def test_zip_and_folder_give_the_same_documents(kb: Path, folder_scan) -> None:
    _, folder_refs, _ = folder_scan
    reader, zip_refs, skipped = _scan(kb / "confluence" / "SUPKB-html-export.zip")
    assert skipped == []
    assert [r.key for r in zip_refs] == [r.key for r in folder_refs]
    assert all(r.path.startswith("SUPKB/") for r in zip_refs)
    doc = reader.load(_by_key(zip_refs)["page:279214867"])
    assert doc.title == "If your board is not detected by Arduino IDE"
    assert doc.hierarchy[-1] == "Upload"


def test_page_title_hierarchy_and_metadata(folder_docs) -> None:
    doc = folder_docs["page:279214867"]
    assert doc.title == "If your board is not detected by Arduino IDE"
    assert doc.hierarchy == (
        "Support Knowledge Base",
        "Support Knowledge Base Home",
        "Software Support",
        "Upload",
    )
    assert (doc.author, doc.editor, doc.updated) == ("Tomás Ortega", "Hana Kobayashi", "2023-05-04")
    assert doc.url is None
    assert doc.properties["space_key"] == "SUPKB"
    assert doc.properties["space_name"] == "Support Knowledge Base"
    assert doc.properties["page_id"] == "279214867"


def test_created_only_and_same_editor_metadata(folder_docs) -> None:
    created_only = folder_docs["page:157319237"]  # "Created by David Mensah on 2023-03-02"
    assert (created_only.author, created_only.editor, created_only.updated) == (
        "David Mensah",
        "David Mensah",
        "2023-03-02",
    )
    same_editor = folder_docs["page:109084681"]  # "Created by X, last modified on DATE"
    assert same_editor.author == same_editor.editor == "Tomás Ortega"
    assert same_editor.updated == "2024-02-18"


def test_hierarchy_and_titles_match_the_manifest(folder_docs, manifest) -> None:
    for entry in manifest:
        if entry["format"] != "confluence":
            continue
        doc = folder_docs[f"page:{entry['page_id']}"]
        assert doc.title == entry["title"]
        # article = "<Category>/<Section>/<file>.md"; the page sits under space > home > category > section
        assert doc.hierarchy[2:] == tuple(entry["article"].split("/")[:-1])


def test_body_keeps_code_tables_and_panels(folder_docs) -> None:
    cpp = folder_docs["page:404787389"].markdown
    assert "```cpp\n#include <WiFiNINA.h>" in cpp
    firmware = folder_docs["page:157319237"].markdown
    # Inside a numbered step, so the fence is indented with the list item.
    assert re.search(r"^( *)```java\n\1dfu-programmer atmega16u2 read\n\1```$", firmware, re.M)
    assert re.search(r"^\| Board \| Firmware \|\n\| --- \| --- \|$", firmware, re.M)
    assert "| Arduino UNO Rev3 | Arduino-usbserial-atmega16u2-Uno-Rev3.hex |" in firmware
    detected = folder_docs["page:279214867"].markdown
    assert "> **Info:**\n>\n> If you're using Arduino Cloud Editor" in detected
    assert "| Windows |" in detected
    assert "> **Warning:**" in folder_docs["page:270400208"].markdown


def test_page_chrome_is_dropped(folder_docs) -> None:
    pages = [d for k, d in folder_docs.items() if k.startswith("page:")]
    assert len(pages) == 265
    for doc in pages:
        text = doc.markdown
        assert "Document generated by Confluence" not in text
        assert "Created by" not in text
        assert "Attachments:" not in text
        assert "Support Knowledge Base :" not in text
        assert "troubleshooting-note.pdf" not in text  # the attachment list is its own thing
        assert doc.author and doc.updated, doc.key
    # Without base_url, links to other pages of the export are text, not dead relative links.
    assert "(135771710.html)" not in folder_docs["page:279214867"].markdown
    assert "refer to If there are “Unknown” devices" in folder_docs["page:279214867"].markdown


def test_category_pages_are_indexed(folder_docs) -> None:
    software = next(d for d in folder_docs.values() if d.title == "Software Support")
    assert software.hierarchy == ("Support Knowledge Base", "Support Knowledge Base Home")
    assert "- Upload" in software.markdown


def test_pdf_attachments_are_child_documents(folder_scan, folder_docs, manifest) -> None:
    _, refs, _ = folder_scan
    notes = [e for e in manifest if e["format"] == "confluence-attachment"]
    assert len(notes) == 8
    attachments = [r for r in refs if r.key.startswith("attachment:")]
    assert len(attachments) == 8
    by_path = {r.path: r for r in attachments}
    for entry in notes:
        path = entry["file"].split("SUPKB/", 1)[1]
        ref = by_path[path]
        attachment_id = path.rsplit("/", 1)[1].split(".")[0]
        assert ref.key == f"attachment:{entry['page_id']}/{attachment_id}"
        assert ref.parent_key == f"page:{entry['page_id']}"
        doc = folder_docs[ref.key]
        page = folder_docs[ref.parent_key]
        assert doc.title == entry["title"]
        assert doc.parent_key == ref.parent_key
        assert doc.hierarchy == (*page.hierarchy, page.title)
        assert doc.markdown.startswith("<!-- page 1 -->")
        text = " ".join(doc.markdown.split())  # PDF lines wrap mid-sentence
        assert page.title in text  # the note restates its article's title…
        assert f"Knowledge base page {entry['page_id']} in space SUPKB" in text  # …and its page
        assert doc.properties["file_type"] == "pdf"
    # Each attachment follows its page, so parents are always loaded first.
    keys = [r.key for r in refs]
    for ref in attachments:
        assert keys.index(ref.parent_key) < keys.index(ref.key)


def test_base_url_gives_deep_links(kb: Path) -> None:
    reader, refs, _ = _scan(kb / "confluence" / "SUPKB", base_url="https://example.atlassian.net/wiki/")
    refs_by_key = _by_key(refs)
    page = reader.load(refs_by_key["page:279214867"])
    assert page.url == "https://example.atlassian.net/wiki/pages/viewpage.action?pageId=279214867"
    assert "(https://example.atlassian.net/wiki/pages/viewpage.action?pageId=135771710)" in page.markdown
    note = reader.load(refs_by_key["attachment:279214867/281885811"])
    assert note.url == page.url
    # The links are part of the output, so another base_url means another fingerprint.
    _, plain, _ = _scan(kb / "confluence" / "SUPKB")
    assert _by_key(plain)["page:279214867"].fingerprint != refs_by_key["page:279214867"].fingerprint


# -- a real Confluence Cloud export (3 files of a 2025 export) ------------------------------------


def test_real_cloud_export_partial(shared_dir: Path) -> None:
    source = shared_dir / "data" / "exports" / "confluence-html-real-partial" / "SEP"
    if not source.is_dir():
        pytest.skip("real Confluence export sample not present")
    with open_tree(source) as tree:
        assert detect_kind(tree) == "confluence"
    reader, refs, skipped = _scan(source)
    assert [r.key for r in refs] == ["page:64028724", "page:66355348"]
    # index.html lists 15 more pages that were not copied: reported, not fatal.
    assert len(skipped) == 15
    assert all(s.reason == "listed in index.html but missing from the export" for s in skipped)

    home = reader.load(refs[0])
    assert home.title == "Software Engineer Program Home"
    assert home.hierarchy == ("Software Engineer Program",)
    assert (home.author, home.editor, home.updated) == ("Michael R. Wolf", "Michael R. Wolf", "2019-07-17")
    assert "> **Tip:**" in home.markdown and "> **Info:**" in home.markdown
    assert home.properties["space_key"] == "SEP"

    unit = reader.load(refs[1])
    assert unit.title == "Unit Testing"
    assert unit.hierarchy == ("Software Engineer Program", "Software Engineer Program Home", "SEP Schedule")
    assert unit.updated == "2019-08-01"
    assert "## Pacing" in unit.markdown
    assert "| 5 | Survey |  |" in unit.markdown
    assert "- [ ] Could not find Exercise #2 starter code" in unit.markdown
    # Cloud UI pasted into the page (likes, labels, comment box, flags) is not content.
    for noise in ("Be the first to like this", "No labels", "Write a comment", "Flag notifications"):
        assert noise not in unit.markdown


# -- synthetic exports: the edge cases ------------------------------------------------------------

_INDEX = """<!DOCTYPE html><html><head><title>DEMO (Demo Space)</title></head><body>
<div id="main-content" class="pageSection"><table class="confluenceTable">
<tr><th class="confluenceTh">Key</th><td class="confluenceTd">DEMO</td></tr>
<tr><th class="confluenceTh">Name</th><td class="confluenceTd">Demo Space</td></tr></table></div>
<div class="pageSection"><div class="pageSectionHeader">
<h2 class="pageSectionTitle">Available Pages:</h2></div>
<ul><li><a href="Home_100.html">Home</a>
  <ul><li><a href="{guides}_200.html">{guides}</a>
    <ul><li><a href="Reset_300.html">Reset</a></li></ul>
    <ul><li><a href="400.html">Q&amp;A: what now?</a></li></ul>
  </li></ul>
  <ul><li><a href="Empty_500.html">Empty</a></li></ul>
  <ul><li><a href="Junk_600.html">Junk</a></li></ul>
  <ul><li><a href="Blank_700.html">Blank</a></li></ul>
</li></ul></div>
<div id="footer"><p>Document generated by Confluence on 2025-01-01 10:00</p></div></body></html>"""


def _page(title: str, crumbs: list[str], meta: str, body: str, attachments: str = "") -> str:
    items = "".join(f'<li><span><a href="x.html">{c}</a></span></li>' for c in crumbs)
    section = (
        '<div class="pageSection group"><div class="pageSectionHeader">'
        '<h2 id="attachments" class="pageSectionTitle">Attachments:</h2></div>'
        f'<div class="greybox">{attachments}'
        "</div></div>"
        if attachments
        else ""
    )
    return f"""<!DOCTYPE html><html><head><title>Demo Space : {title}</title></head><body>
<div id="page"><div id="main"><div id="main-header">
<div id="breadcrumb-section"><ol id="breadcrumbs">{items}</ol></div>
<h1 id="title-heading" class="pagetitle"><span id="title-text"> Demo Space : {title} </span></h1></div>
<div id="content" class="view"><div class="page-metadata">{meta}</div>
<div id="main-content" class="wiki-content group">{body}</div>{section}</div></div>
<div id="footer"><section class="footer-body">
<p>Document generated by Confluence on 2025-01-01</p></section></div>
</div></body></html>"""


def _demo_export(root: Path, guides: str = "Guides") -> Path:
    space = root / "DEMO"
    (space / "attachments" / "300").mkdir(parents=True, exist_ok=True)
    (space / "styles").mkdir(exist_ok=True)
    (space / "index.html").write_text(_INDEX.replace("{guides}", guides), encoding="utf-8")
    (space / "styles" / "site.css").write_text("body {}", encoding="utf-8")
    crumbs = ["Demo Space", "Home"]
    (space / "Home_100.html").write_text(
        _page(
            "Home", ["Demo Space"], "Created by <span class='author'> Ann</span> on Jul 05, 2024", "<p>Hi</p>"
        ),
        encoding="utf-8",
    )
    (space / f"{guides}_200.html").write_text(
        _page(guides, crumbs, "Created by <span class='author'> Ann</span> on 2024-01-02", "<p> </p>"),
        encoding="utf-8",
    )
    attachments = (
        '<a href="attachments/300/301.pdf">Reset guide.pdf</a> (application/pdf)<br/>'
        '<a href="attachments/300/302">steps.docx</a><br/>'
        '<a href="attachments/300/303.png">photo.png</a><br/>'
        '<a href="attachments/300/304.xlsx">prices.xlsx</a><br/>'
        '<a href="attachments/300/305.pdf">scan.pdf</a><br/>'
    )
    (space / "Reset_300.html").write_text(
        _page(
            "Reset",
            [*crumbs, guides],
            "Created by <span class='author'> Ann</span>, last modified by <span class='editor'> Bob</span>"
            " on Mar 9, 2024",
            '<pre class="syntaxhighlighter-pre" data-syntaxhighlighter-params="brush: bash; gutter: false">'
            "reset --hard</pre><p>See <a href='400.html'>the Q&amp;A</a>.</p>",
            attachments,
        ),
        encoding="utf-8",
    )
    (space / "400.html").write_text(
        _page("Q&amp;A: what now?", [*crumbs, guides], "", "<p>Answer.</p>"), encoding="utf-8"
    )
    (space / "Empty_500.html").write_text(_page("Empty", crumbs, "", "<p></p>"), encoding="utf-8")
    (space / "Junk_600.html").write_bytes(bytes(range(256)) * 8)
    (space / "Blank_700.html").write_bytes(b"")
    # Not in index.html: its place comes from its own breadcrumbs.
    (space / "Orphan_800.html").write_text(
        _page("Orphan", ["Demo Space", "Lost"], "", "<p>Found me.</p>"), encoding="utf-8"
    )
    (space / "attachments" / "300" / "301.pdf").write_bytes(
        _pdf(["Hold reset for ten seconds.", "Then release."])
    )
    (space / "attachments" / "300" / "302").write_bytes(_docx_bytes())
    (space / "attachments" / "300" / "303.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (space / "attachments" / "300" / "304.xlsx").write_bytes(b"PK\x03\x04")
    (space / "attachments" / "300" / "305.pdf").write_bytes(_pdf([""]))
    return space


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Reset steps", level=1)
    document.add_paragraph("Unplug the board.", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Board", (0, 1): "Button", (1, 0): "UNO", (1, 1): "RESET"}.items():
        table.cell(r, c).text = text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _load_all(reader: ConfluenceReader, refs: list[DocRef]) -> tuple[dict[str, RawDocument], dict[str, str]]:
    docs: dict[str, RawDocument] = {}
    skips: dict[str, str] = {}
    for ref in refs:
        try:
            docs[ref.key] = reader.load(ref)
        except SkipFile as exc:
            skips[ref.key] = str(exc)
    return docs, skips


def test_synthetic_export_edge_cases(tmp_path: Path) -> None:
    space = _demo_export(tmp_path)
    with open_tree(space) as tree:
        assert looks_like_confluence(tree)
    reader, refs, skipped = _scan(space)
    keys = [r.key for r in refs]
    pages = ["page:100", "page:200", "page:300", "page:400", "page:500", "page:600", "page:700", "page:800"]
    assert sorted(keys) == sorted([*pages, "attachment:300/301", "attachment:300/302", "attachment:300/305"])
    # Attachments come right after their page (the image is not a document; the xlsx is reported).
    at = keys.index("page:300")
    assert keys[at : at + 4] == ["page:300", "attachment:300/301", "attachment:300/302", "attachment:300/305"]
    reasons = {s.path: s.reason for s in skipped}
    assert reasons == {"attachments/300/304.xlsx": reasons["attachments/300/304.xlsx"]}
    assert "not indexed" in reasons["attachments/300/304.xlsx"]

    docs, skips = _load_all(reader, refs)
    assert skips == {
        "page:500": "empty page (nothing but its title)",
        "page:600": "binary content, not text",
        "page:700": "empty file",
        "attachment:300/305": "no extractable text (scanned PDF?)",
    }
    assert docs["page:100"].updated == "2024-07-05"  # "Jul 05, 2024"
    assert docs["page:100"].hierarchy == ("Demo Space",)
    reset = docs["page:300"]
    assert reset.hierarchy == ("Demo Space", "Home", "Guides")
    assert (reset.author, reset.editor, reset.updated) == ("Ann", "Bob", "2024-03-09")
    assert "```bash\nreset --hard\n```" in reset.markdown
    assert "See the Q&A." in reset.markdown
    # A page with no body but children lists them, so the section is still findable.
    assert docs["page:200"].markdown == "Child pages:\n\n- Reset\n- Q&A: what now?\n"
    # `<id>.html` pages take their title from index.html, not from the file name.
    assert docs["page:400"].title == "Q&A: what now?"
    orphan = docs["page:800"]
    assert (orphan.title, orphan.hierarchy) == ("Orphan", ("Demo Space", "Lost"))
    pdf = docs["attachment:300/301"]
    assert pdf.title == "Reset guide.pdf"
    assert pdf.hierarchy == ("Demo Space", "Home", "Guides", "Reset")
    assert "<!-- page 1 -->\n\nHold reset for ten seconds." in pdf.markdown
    assert "<!-- page 2 -->\n\nThen release." in pdf.markdown
    # A suffix-less attachment is typed by the name in its page's attachment list.
    word = docs["attachment:300/302"]
    assert word.title == "steps.docx"
    assert word.properties["file_type"] == "docx"
    assert "# Reset steps" in word.markdown and "- Unplug the board." in word.markdown


def test_fingerprint_follows_the_page_tree(tmp_path: Path) -> None:
    space = _demo_export(tmp_path)
    _, before, _ = _scan(space)
    # Rename the parent in index.html only: Reset's file is unchanged, its hierarchy is not.
    (space / "index.html").write_text(_INDEX.replace("{guides}", "Guides").replace(">Guides<", ">How-tos<"))
    _, after, _ = _scan(space)
    old, new = _by_key(before), _by_key(after)
    assert old["page:300"].fingerprint != new["page:300"].fingerprint
    assert old["attachment:300/301"].fingerprint != new["attachment:300/301"].fingerprint
    assert old["page:800"].fingerprint == new["page:800"].fingerprint  # not in the tree
    # Same bytes, same tree: same fingerprints (a no-op re-run loads nothing).
    _, again, _ = _scan(space)
    assert [r.fingerprint for r in again] == [r.fingerprint for r in after]


def test_zipped_synthetic_export_matches_folder(tmp_path: Path) -> None:
    space = _demo_export(tmp_path / "src")
    archive = tmp_path / "DEMO.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(space.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(space.parent).as_posix())
    _, folder_refs, _ = _scan(space)
    reader, zip_refs, _ = _scan(archive)
    assert [r.key for r in zip_refs] == [r.key for r in folder_refs]
    docs, _ = _load_all(reader, zip_refs)
    assert docs["page:300"].hierarchy == ("Demo Space", "Home", "Guides")
    assert docs["attachment:300/301"].path == "DEMO/attachments/300/301.pdf"


def test_scan_parses_only_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.sources import confluence

    space = _demo_export(tmp_path)
    parsed: list[str] = []
    real_parse = confluence._parse

    def counting_parse(text: str) -> object:
        parsed.append(text[:200])
        return real_parse(text)

    monkeypatch.setattr(confluence, "_parse", counting_parse)
    reader, refs, _ = _scan(space)
    assert len(parsed) == 1 and "DEMO (Demo Space)" in parsed[0]  # index.html, once
    reader.load(_by_key(refs)["page:300"])
    assert len(parsed) == 2


# -- _filetext ------------------------------------------------------------------------------------


def test_pdf_to_markdown_marks_pages(tmp_path: Path) -> None:
    path = tmp_path / "note.pdf"
    path.write_bytes(_pdf(["First page text", "", "Third page text"]))
    markdown = pdf_to_markdown(path.read_bytes())
    assert markdown.startswith("<!-- page 1 -->\n\nFirst page text")
    assert "<!-- page 2 -->" not in markdown  # blank page: nothing to cite
    assert "<!-- page 3 -->\n\nThird page text" in markdown
    assert file_to_markdown("NOTE.PDF", path.read_bytes()) == markdown


def test_encrypted_pdf_is_rejected_with_a_reason() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(["secret text"]))))
    writer.encrypt("s3cret")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(ValueError, match="encrypted PDF"):
        pdf_to_markdown(buf.getvalue())


def test_pdf_with_only_an_owner_password_is_read() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(["open text"]))))
    writer.encrypt(user_password="", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    assert "open text" in pdf_to_markdown(buf.getvalue())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not a pdf at all, just bytes \x00\x01\x02", "broken PDF"),
        (b"%PDF-1.4\n%garbage that ends early", "broken PDF"),
        (b"", "empty file"),
    ],
)
def test_garbage_pdf_is_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        pdf_to_markdown(data)


def test_scanned_pdf_has_no_text() -> None:
    with pytest.raises(ValueError, match=r"no extractable text \(scanned PDF\?\)"):
        pdf_to_markdown(_pdf([""]))


def test_docx_to_markdown_keeps_structure() -> None:
    import docx

    document = docx.Document()
    document.add_heading("Troubleshooting", level=1)
    document.add_paragraph("Try these first.")
    document.add_heading("Checks", level=2)
    document.add_paragraph("Use a data cable", style="List Bullet")
    document.add_paragraph("Try another port", style="List Bullet")
    document.add_paragraph("Only on Windows", style="List Bullet 2")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Board"
    table.cell(0, 1).text = "Port | name"
    table.cell(1, 0).text = "UNO"
    table.cell(1, 1).text = "COM3"
    document.add_paragraph("Done.")
    buf = io.BytesIO()
    document.save(buf)

    markdown = docx_to_markdown(buf.getvalue())
    assert markdown == (
        "# Troubleshooting\n\nTry these first.\n\n## Checks\n\n"
        "- Use a data cable\n- Try another port\n  - Only on Windows\n\n"
        "| Board | Port \\| name |\n| --- | --- |\n| UNO | COM3 |\n\nDone.\n"
    )


def test_broken_docx_is_rejected() -> None:
    with pytest.raises(ValueError, match="broken DOCX"):
        docx_to_markdown(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match=r"unsupported file type \.doc"):
        file_to_markdown("old.doc", b"\xd0\xcf\x11\xe0")
