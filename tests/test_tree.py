"""SourceTree: the one place that refuses unsafe archive members and junk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from common.errors import SourceUnreadableError
from indexer.bounds import DEFAULT_MAX_FILE_BYTES, MB, FileLimits
from indexer.sources._tree import MAX_FILE_BYTES, open_tree


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_slip_members_are_refused_not_extracted(tmp_path: Path) -> None:
    src = _zip(tmp_path / "x.zip", {"ok/a.md": b"# A\n\nfine", "../evil.md": b"# evil", "/abs.md": b"# abs"})
    tree = open_tree(src)
    assert [f.path for f in tree.files()] == ["ok/a.md"]
    reasons = {s.path: s.reason for s in tree.skipped}
    assert "zip-slip" in reasons["../evil.md"]
    assert "zip-slip" in reasons["/abs.md"]
    assert not (tmp_path.parent / "evil.md").exists()


def test_zip_bomb_member_is_skipped(tmp_path: Path) -> None:
    bomb = b"\0" * (8 * 1024 * 1024)  # deflates ~1000:1
    src = _zip(tmp_path / "b.zip", {"bomb.txt": bomb, "ok.txt": b"Title\n\nhello"})
    tree = open_tree(src)
    assert [f.path for f in tree.files()] == ["ok.txt"]
    assert "zip bomb" in tree.skipped[0].reason


def test_file_over_the_size_cap_is_skipped_with_the_cap_in_the_reason(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.seek(DEFAULT_MAX_FILE_BYTES + 10)
        fh.write(b"x")
    (tmp_path / "small.txt").write_text("hi")
    tree = open_tree(tmp_path)
    assert [f.path for f in tree.files()] == ["small.txt"]
    assert tree.skipped[0].reason.startswith("larger than 20 MB")


def test_size_cap_is_configurable_for_folders_and_zip_members(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    # 1.4 MB that deflates like text, not like a bomb.
    (tmp_path / "d" / "a.md").write_bytes(b"# A\n\n" + " ".join(f"w{i}" for i in range(200_000)).encode())
    (tmp_path / "d" / "b.md").write_bytes(b"# B\n\nsmall")
    src = _zip(tmp_path / "x.zip", {"a.md": (tmp_path / "d" / "a.md").read_bytes(), "b.md": b"# B"})
    limits = FileLimits(max_file_bytes=1 * MB)
    for source in (tmp_path / "d", src):
        tree = open_tree(source, limits)
        assert [f.path for f in tree.files()] == ["b.md"]
        assert tree.skipped[0].reason == "larger than 1 MB (1.4 MB)"
        assert [f.path for f in open_tree(source).files()] == ["a.md", "b.md"]  # the default cap is 20 MB


def test_nested_part_zip_is_not_held_to_the_document_cap(tmp_path: Path) -> None:
    part = io.BytesIO()
    with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("Export/a.md", b"# A\n\n" + b"word " * 300_000)
        zf.writestr("Export/b.md", b"# B")
    src = _zip(tmp_path / "outer.zip", {"Part-1.zip": part.getvalue()}, zipfile.ZIP_STORED)
    tree = open_tree(src, FileLimits(max_file_bytes=1 * MB))
    assert [f.path for f in tree.files()] == ["Export/b.md"]  # the part was opened; its big page skipped
    assert MAX_FILE_BYTES > DEFAULT_MAX_FILE_BYTES


def test_junk_entries_are_ignored(tmp_path: Path) -> None:
    src = _zip(tmp_path / "j.zip", {"__MACOSX/._a.md": b"x", "d/.DS_Store": b"x", "d/a.md": b"# A"})
    assert [f.path for f in open_tree(src).files()] == ["d/a.md"]


def test_nested_part_zips_are_read_as_one_tree(tmp_path: Path) -> None:
    part1 = io.BytesIO()
    with zipfile.ZipFile(part1, "w") as zf:
        zf.writestr("Export/a.md", "# A")
    part2 = io.BytesIO()
    with zipfile.ZipFile(part2, "w") as zf:
        zf.writestr("Export/b.md", "# B")
    src = _zip(
        tmp_path / "outer.zip", {"Export-Part-1.zip": part1.getvalue(), "Export-Part-2.zip": part2.getvalue()}
    )
    tree = open_tree(src)
    assert [f.path for f in tree.files()] == ["Export/a.md", "Export/b.md"]
    assert tree.read("Export/b.md") == b"# B"


def test_corrupt_zip_is_unreadable_as_a_whole(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SourceUnreadableError, match="zip"):
        open_tree(bad)
    with pytest.raises(SourceUnreadableError, match="no such"):
        open_tree(tmp_path / "missing")


def test_symlink_out_of_the_source_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("password")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("A")
    (src / "link.txt").symlink_to(outside)
    tree = open_tree(src)
    assert [f.path for f in tree.files()] == ["a.txt"]
    assert "outside" in tree.skipped[0].reason


def test_zip_fingerprint_comes_from_the_directory(tmp_path: Path) -> None:
    a = _zip(tmp_path / "a.zip", {"x.md": b"one"})
    b = _zip(tmp_path / "b.zip", {"x.md": b"two"})
    assert open_tree(a).fingerprint("x.md") != open_tree(b).fingerprint("x.md")
    assert open_tree(a).fingerprint("x.md") == open_tree(a).fingerprint("x.md")
