"""NotionReader on the generated KB export (zip and folder) and on real Notion exports."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from indexer.documents import RawDocument, Skipped
from indexer.sources import SkipFile, detect_kind, open_tree
from indexer.sources.notion import NotionReader, looks_like_notion, split_notion_name

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXPORTS = SHARED / "data" / "exports"
KB = EXPORTS / "kb"
KB_ZIP = KB / "notion" / "Store-and-Cloud-export.zip"
KB_FOLDER = KB / "notion" / "Export-a9df4ba9-375e-40ef-885c-10259bb8e525"
REAL_MD = EXPORTS / "notion-markdown-real"
REAL_HTML = EXPORTS / "notion-html-real"

needs_kb = pytest.mark.skipif(not KB_ZIP.exists() or not KB_FOLDER.exists(), reason="shared KB export absent")
needs_real_md = pytest.mark.skipif(not REAL_MD.exists(), reason="real Notion markdown exports absent")
needs_real_html = pytest.mark.skipif(not REAL_HTML.exists(), reason="real Notion HTML export absent")

HEX_ID = re.compile(r"[0-9a-f]{32}")


def read_all(source: Path) -> tuple[dict[str, RawDocument], list[Skipped], list[str]]:
    """(documents by key, skipped files, keys of documents the reader skipped on load)."""
    tree = open_tree(source)
    reader = NotionReader()
    skipped: list[Skipped] = []
    refs = reader.scan(tree, skipped)
    docs: dict[str, RawDocument] = {}
    skipped_on_load: list[str] = []
    for ref in refs:
        try:
            docs[ref.key] = reader.load(ref)
        except SkipFile:
            skipped_on_load.append(ref.key)
    return docs, skipped, skipped_on_load


@pytest.fixture(scope="module")
def kb_zip() -> dict[str, RawDocument]:
    if not KB_ZIP.exists():
        pytest.skip("shared KB export absent")
    return read_all(KB_ZIP)[0]


@pytest.fixture(scope="module")
def kb_folder() -> dict[str, RawDocument]:
    if not KB_FOLDER.exists():
        pytest.skip("shared KB export absent")
    return read_all(KB_FOLDER)[0]


def manifest(*formats: str) -> list[dict[str, str]]:
    lines = (KB / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["format"] in formats]


def by_title(docs: dict[str, RawDocument], title: str) -> RawDocument:
    matches = [d for d in docs.values() if d.title == title]
    assert len(matches) == 1, f"{title!r}: {len(matches)} documents"
    return matches[0]


# -- helpers --------------------------------------------------------------------------------------


def test_split_notion_name() -> None:
    assert split_notion_name("Refunds 0123456789abcdef0123456789abcdef.md") == (
        "Refunds",
        "0123456789abcdef0123456789abcdef",
        False,
    )
    assert split_notion_name("Payments 0123456789abcdef0123456789abcdef_all.csv")[2] is True
    assert split_notion_name("index.html") == ("index", None, False)


# -- generated KB export --------------------------------------------------------------------------


@needs_kb
def test_detected_as_notion() -> None:
    assert looks_like_notion(open_tree(KB_ZIP))
    assert looks_like_notion(open_tree(KB_FOLDER))
    assert detect_kind(open_tree(KB_ZIP)) == "notion"


@needs_kb
def test_every_manifest_article_is_a_document(kb_zip: dict[str, RawDocument]) -> None:
    entries = manifest("notion", "notion-db")
    assert len(entries) == 78
    for entry in entries:
        doc = kb_zip.get(f"notion:{entry['page_id']}")
        assert doc is not None, entry["title"]
        assert doc.title == entry["title"]
        assert doc.markdown.strip()
    # Articles plus the handbook, category and section pages; no index.html, images or CSVs.
    assert len(kb_zip) == 90
    assert not any(d.path.endswith(("index.html", ".png", ".csv")) for d in kb_zip.values())


@needs_kb
def test_zip_and_folder_agree(kb_zip: dict[str, RawDocument], kb_folder: dict[str, RawDocument]) -> None:
    assert kb_zip.keys() == kb_folder.keys()
    for key, doc in kb_zip.items():
        other = kb_folder[key]
        assert (doc.title, doc.hierarchy, doc.markdown, doc.properties) == (
            other.title,
            other.hierarchy,
            other.markdown,
            other.properties,
        )


@needs_kb
def test_titles_and_hierarchy_have_no_ids(kb_zip: dict[str, RawDocument]) -> None:
    for doc in kb_zip.values():
        assert not HEX_ID.search(doc.title), doc.title
        assert not any(HEX_ID.search(h) or h.startswith("Export-") for h in doc.hierarchy), doc.hierarchy


@needs_kb
def test_hierarchy_from_folders(kb_zip: dict[str, RawDocument]) -> None:
    doc = kb_zip["notion:54dec90779224ad5bc82befb33d7e8e4"]
    assert doc.title == "Roles and permissions in shared spaces"
    assert doc.hierarchy == ("Customer Support Handbook", "Arduino Cloud", "Spaces")
    assert kb_zip["notion:ec20f0c82e2540fdac1d13fa1e152576"].hierarchy == ()
    assert doc.url == "https://www.notion.so/54dec90779224ad5bc82befb33d7e8e4"


@needs_kb
def test_title_keeps_punctuation_the_file_name_lost(kb_zip: dict[str, RawDocument]) -> None:
    # The file name drops "?" and the unbalanced ")"; the page's heading keeps them.
    assert (
        kb_zip["notion:6764a6df6c90448f82792183cd820fd9"].title
        == "Is it safe to use my credit card on the website?"
    )
    assert "${windows_folder_startup)" in kb_zip["notion:ee3b3b18a9484aab8bbdfdcff1e0206c"].title


@needs_kb
def test_database_rows_carry_properties(kb_zip: dict[str, RawDocument]) -> None:
    rows = [kb_zip[f"notion:{e['page_id']}"] for e in manifest("notion-db")]
    assert len(rows) == 8
    for doc in rows:
        assert doc.hierarchy == ("Customer Support Handbook", "Store Support", "Payments and Invoices")
        assert doc.properties["Owner"]
        assert doc.properties["Tags"]
        assert doc.tags
        assert doc.updated and re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", doc.updated)

    doc = kb_zip["notion:6764a6df6c90448f82792183cd820fd9"]
    assert doc.properties["Owner"] == "Elena Conti"
    assert doc.author == "Elena Conti"
    assert doc.tags == ("Payments", "Security")
    assert doc.updated == "2022-02-09T16:58"
    # Columns only the row page (and _all.csv) has are kept too.
    assert doc.properties["Status"] == "Published"
    assert doc.properties["Article ID"] == "360016079940"
    first_line = doc.markdown.splitlines()[0]
    assert first_line.startswith("Owner: Elena Conti")
    assert "Tags: Payments, Security" in first_line
    assert "Last edited time: February 9, 2022 4:58 PM" in first_line
    # The page's own "Key: value" lines are replaced by the header line, not repeated.
    assert doc.markdown.count("Elena Conti") == 1
    assert "\nOwner:" not in doc.markdown
    assert "Yes, the data is transmitted TLS-encrypted." in doc.markdown


@needs_kb
def test_all_csv_adds_no_duplicates(kb_zip: dict[str, RawDocument]) -> None:
    titles = [d.title for d in kb_zip.values()]
    assert len(titles) == len(set(titles))
    assert titles.count("Accepted payment methods") == 1
    assert not any(":" in key.removeprefix("notion:") for key in kb_zip)  # no page-less row docs


@needs_kb
def test_non_database_pages_have_no_properties(kb_zip: dict[str, RawDocument]) -> None:
    doc = kb_zip["notion:54dec90779224ad5bc82befb33d7e8e4"]
    assert doc.properties == {}
    assert doc.tags == ()
    assert doc.updated is None


@needs_kb
def test_callout_becomes_blockquote(kb_zip: dict[str, RawDocument]) -> None:
    doc = kb_zip["notion:54dec90779224ad5bc82befb33d7e8e4"]
    assert "<aside" not in doc.markdown and "</aside>" not in doc.markdown
    assert re.search(r"^\s*> 💡 You can compare the Free and School plan", doc.markdown, re.MULTILINE)
    for other in kb_zip.values():
        assert "<aside" not in other.markdown


@needs_kb
def test_links_keep_readable_text(kb_zip: dict[str, RawDocument]) -> None:
    doc = kb_zip["notion:54dec90779224ad5bc82befb33d7e8e4"]
    # Relative links to other pages keep their text, not the %20-encoded export path.
    assert "- Add members to a space" in doc.markdown
    # External links stay links.
    assert "[arduino.cc/cloud/plans](https://cloud.arduino.cc/plans)" in doc.markdown
    for other in kb_zip.values():
        assert "%20" not in other.markdown, other.title
        assert ".md)" not in other.markdown, other.title
        assert "notion.so" not in other.markdown, other.title
        assert not HEX_ID.search(other.markdown), other.title
    # A link whose target holds parentheses ("(OTA)") is still reduced to its text.
    section = kb_zip["notion:6ec8cb85e44f427c8ad17d6647847c7f"]
    assert "If you see an error when performing an Over-the-Air (OTA) upload" in section.markdown


@needs_kb
def test_images_are_not_documents_but_alt_text_stays(kb_zip: dict[str, RawDocument]) -> None:
    doc = kb_zip["notion:2d66295f75b5471ebc9ac94891b3f955"]
    assert "[image: Switching space in Arduino Cloud.]" in doc.markdown
    assert ".png" not in doc.markdown


@needs_kb
def test_fingerprints_are_stable_and_row_aware() -> None:
    first = {r.key: r.fingerprint for r in NotionReader().scan(open_tree(KB_ZIP), [])}
    again = {r.key: r.fingerprint for r in NotionReader().scan(open_tree(KB_ZIP), [])}
    assert first == again
    assert len(set(first.values())) == len(first)


def test_database_row_change_changes_fingerprint(tmp_path: Path) -> None:
    page = "# Refunds\n\nOwner: Ann\nTags: Money\n\nHow refunds work.\n"
    base = "Export-11111111-2222-3333-4444-555555555555/Help 0123456789abcdef0123456789abcdef"

    def build(owner: str) -> Path:
        folder = tmp_path / owner
        db = folder / base / "Payments 11111111111111111111111111111111"
        db.mkdir(parents=True)
        (db / "Refunds 22222222222222222222222222222222.md").write_text(page, encoding="utf-8")
        csv_text = f"\ufeffName,Owner,Tags\r\nRefunds,{owner},Money\r\n"
        (db.parent / "Payments 11111111111111111111111111111111.csv").write_text(csv_text, encoding="utf-8")
        (db.parent / "Payments 11111111111111111111111111111111_all.csv").write_text(
            csv_text, encoding="utf-8"
        )
        (folder / base).with_suffix(".md").write_text("# Help\n\nStart here.\n", encoding="utf-8")
        return folder

    ann, bob = NotionReader(), NotionReader()
    ref_ann = {r.key: r for r in ann.scan(open_tree(build("Ann")), [])}
    ref_bob = {r.key: r for r in bob.scan(open_tree(build("Bob")), [])}
    key = "notion:22222222222222222222222222222222"
    assert ref_ann.keys() == ref_bob.keys() == {key, "notion:0123456789abcdef0123456789abcdef"}
    assert ref_ann[key].fingerprint != ref_bob[key].fingerprint
    assert bob.load(ref_bob[key]).properties["Owner"] == "Bob"
    assert bob.load(ref_bob[key]).hierarchy == ("Help", "Payments")


def test_row_without_page_becomes_small_document(tmp_path: Path) -> None:
    root = tmp_path / "FAQ 0123456789abcdef0123456789abcdef"
    root.mkdir()
    (tmp_path / "FAQ 0123456789abcdef0123456789abcdef.md").write_text(
        "# FAQ\n\nQuestions.\n", encoding="utf-8"
    )
    (root / "Answers 11111111111111111111111111111111.csv").write_bytes(
        '\ufeffQuestion,Answer,Tags\r\nCan I pay by card?,"Yes, Visa and Mastercard.",Payments\r\n'
        ",,\r\n".encode()
    )
    reader = NotionReader()
    refs = reader.scan(open_tree(tmp_path), [])
    rows = [r for r in refs if r.path.endswith(".csv")]
    assert len(rows) == 1  # the blank row adds nothing
    doc = reader.load(rows[0])
    assert doc.title == "Can I pay by card?"
    assert doc.properties["Answer"] == "Yes, Visa and Mastercard."
    assert doc.tags == ("Payments",)
    assert doc.hierarchy == ("FAQ", "Answers")
    assert "Answer: Yes, Visa and Mastercard." in doc.markdown


def test_empty_page_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "Untitled 0123456789abcdef0123456789abcdef.md").write_text("# Untitled\n", encoding="utf-8")
    (tmp_path / "index.html").write_text("<html><body><a href='x'>x</a></body></html>", encoding="utf-8")
    reader = NotionReader()
    refs = reader.scan(open_tree(tmp_path), [])
    assert [r.key for r in refs] == ["notion:0123456789abcdef0123456789abcdef"]
    with pytest.raises(SkipFile, match="empty page"):
        reader.load(refs[0])


# -- real exports ---------------------------------------------------------------------------------


@needs_real_md
def test_real_multi_part_zip_reads_the_nested_part() -> None:
    docs, _, skipped_on_load = read_all(REAL_MD / "appflowy_fixtures" / "multi_part_zip.zip")
    titles = {d.title for d in docs.values()}
    assert {"Design", "Product Design RFC", "Blog Post", "Projects & Tasks", "Conduct interviews"} <= titles
    assert len(docs) >= 70
    # Pages of the part zip sit under "Export-<uuid>/": that folder is not hierarchy.
    assert docs["notion:104d4deadd2c808aa7dbd79eadeff0eb"].hierarchy == ("Work", "Notes")
    assert all(not d.hierarchy or not d.hierarchy[0].startswith("Export-") for d in docs.values())
    # "Home views"/"My tasks" are title-only pages: skipped, not indexed empty.
    assert "notion:46f30ccfa259464d830ba44cf8bec197" in skipped_on_load


@needs_kb
def test_multi_part_zip_equals_the_folder(tmp_path: Path, kb_folder: dict[str, RawDocument]) -> None:
    # Build a two-part export from the KB folder: the reader must see one workspace.
    files = sorted(p for p in KB_FOLDER.rglob("*") if p.is_file())
    parts = [files[::2], files[1::2]]
    outer = tmp_path / "export.zip"
    with zipfile.ZipFile(outer, "w") as out:
        for number, members in enumerate(parts, start=1):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as part:
                for f in members:
                    part.write(f, f"{KB_FOLDER.name}/{f.relative_to(KB_FOLDER).as_posix()}")
            out.writestr(f"{KB_FOLDER.name}-Part-{number}.zip", buffer.getvalue())
    docs, _, _ = read_all(outer)
    assert docs.keys() == kb_folder.keys()
    assert {k: d.title for k, d in docs.items()} == {k: d.title for k, d in kb_folder.items()}
    assert docs["notion:6764a6df6c90448f82792183cd820fd9"].properties["Owner"] == "Elena Conti"


@needs_real_md
def test_real_export_databases_and_junk() -> None:
    docs, skipped, _ = read_all(REAL_MD / "appflowy_fixtures" / "project&task.zip")
    titles = [d.title for d in docs.values()]
    assert len(titles) == len(set(titles))  # _all.csv twins add nothing
    task = docs["notion:4e70ea0b7d40427a9648bcf554a121f6"]
    assert task.title == "Create social media plan"
    assert task.hierarchy == ("Projects & Tasks", "Tasks")
    assert task.tags == ("Improvement", "Marketing")
    assert task.properties["Assignee"] == "Nate Martins"
    # Relation cells keep the related page's name, not its export path.
    assert task.properties["Project"] == "Marketing campaign"
    assert not any(d.path.endswith((".jpeg", ".png", ".DS_Store")) for d in docs.values())
    assert skipped == []


@needs_real_md
def test_real_linked_views_are_not_duplicated() -> None:
    # csv_relation.zip: five CSVs of the same "Tasks" database (views), no row pages.
    docs, _, _ = read_all(REAL_MD / "appflowy_fixtures" / "csv_relation.zip")
    titles = [d.title for d in docs.values()]
    assert len(titles) == len(set(titles)) == 17
    assert all(d.hierarchy == ("Tasks",) for d in docs.values())


@needs_real_md
def test_real_outline_export_with_missing_attachment() -> None:
    docs, _, skipped_on_load = read_all(REAL_MD / "outline_fixture" / "notion-markdown.zip")
    assert {d.title for d in docs.values()} == {
        "Get Started",
        "Example sub page",
        "Font family standardization",
    }
    start = docs["notion:723c6ce1473e40b9beebe9f3711c0ca3"]
    assert "plus-menu.gif" not in start.markdown  # dangling image reference dropped
    assert "Give these things a try:" in start.markdown
    meeting = docs["notion:557eb4eb4a8b42549b394d2ccd64cfcb"]
    assert meeting.hierarchy == ("Meeting Notes",)
    assert meeting.properties["Type"] == "Design Systems"
    assert meeting.updated == "2022-04-21T20:45"
    assert "# Goals" in meeting.markdown
    assert len(skipped_on_load) == 3  # the three empty "Untitled" database rows


@needs_real_md
def test_real_new_style_export_skips_index_html() -> None:
    docs, _, _ = read_all(REAL_MD / "appflowy_fixtures" / "import_test.zip")
    assert not any(d.path.endswith("index.html") for d in docs.values())
    assert docs["notion:103d4deadd2c8032bc32d094d8d5f41f"].hierarchy == ("Root", "root-2")


@needs_real_html
def test_real_html_export() -> None:
    source = REAL_HTML / "notion-html.zip"
    assert looks_like_notion(open_tree(source))
    docs, _, skipped_on_load = read_all(source)
    assert {d.title for d in docs.values()} == {
        "Get Started",
        "Example sub page",
        "Untitled Database",
        "Meeting Notes",
        "Font family standardization",
    }
    start = docs["notion:f77698be1fbd4d24aaae01a61fc98105"]
    assert "Give these things a try:" in start.markdown
    assert "Keyboard shortcuts" in start.markdown
    assert "<style" not in start.markdown and "font-family" not in start.markdown
    meeting = docs["notion:557eb4eb4a8b42549b394d2ccd64cfcb"]
    assert meeting.hierarchy == ("Meeting Notes",)
    assert meeting.properties["Type"] == "Design Systems"
    assert meeting.updated == "2022-04-21T20:45"
    assert "Settle on a single font family" in meeting.markdown
    assert meeting.markdown.startswith("Created: April 21, 2022 8:45 PM")
    assert len(skipped_on_load) == 3  # empty "Untitled" rows
    folder_docs, _, _ = read_all(REAL_HTML / "extracted")
    assert folder_docs.keys() == docs.keys()


def test_row_page_first_paragraph_is_not_taken_for_properties(tmp_path: Path) -> None:
    db = tmp_path / "Tips 11111111111111111111111111111111"
    db.mkdir()
    (tmp_path / "Tips 11111111111111111111111111111111.csv").write_text(
        "\ufeffName,Owner\r\nRestart,Ann\r\n", encoding="utf-8"
    )
    (db / "Restart 22222222222222222222222222222222.md").write_text(
        "# Restart\n\nNote: unplug it first.\n\nThen plug it in.\n", encoding="utf-8"
    )
    reader = NotionReader()
    (ref,) = reader.scan(open_tree(tmp_path), [])
    doc = reader.load(ref)
    assert doc.properties == {"Owner": "Ann"}
    assert doc.markdown.splitlines()[0] == "Owner: Ann"
    assert "Note: unplug it first." in doc.markdown
