"""A read-only view of an export: a folder, a zip, or a zip of zips (Notion's multi-part exports).

Readers only ever see relative POSIX paths and bytes, so the same reader works on all three.
Everything unsafe is refused here, once, for every reader:

- zip-slip members (`../x`, `/etc/x`, `C:\\x`) and links out of a folder;
- zip bombs (a member that inflates past `MAX_FILE_BYTES`, or with an absurd ratio);
- encrypted members; huge files; archive junk (`__MACOSX/`, `.DS_Store`, `Thumbs.db`).

Refused files land in `tree.skipped` with a reason for the report.

Example:
    tree = open_tree(Path("export.zip"))
    for f in tree.files():
        data = tree.read(f.path)
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from common.errors import SourceUnreadableError
from indexer.bounds import FileLimits
from indexer.documents import Skipped

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Hard cap on any member read into memory, nested part zips included. Documents have their own,
lower cap (`FileLimits.max_file_bytes`, 20 MB by default): no KB page is that big."""
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
"""Budget for everything a (possibly nested) archive may inflate to."""
MAX_RATIO = 200
"""Deflate rarely beats ~20:1 on real text; far beyond that a member is a bomb."""
MAX_NESTED_ZIP_DEPTH = 2

_JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


def is_junk(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return any(p == "__MACOSX" for p in parts) or parts[-1] in _JUNK_NAMES or parts[-1].startswith("._")


def _unsafe_member(name: str) -> bool:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    parts = name.replace("\\", "/").split("/")
    return any(p == ".." for p in parts)


@dataclass(frozen=True, slots=True)
class TreeFile:
    path: str
    """Relative POSIX path inside the export (for a zip, the member path)."""
    size: int


@dataclass(slots=True)
class _ZipEntry:
    archive: zipfile.ZipFile
    info: zipfile.ZipInfo


class SourceTree:
    """Files of one export. Build with `open_tree`."""

    def __init__(self, root: Path, limits: FileLimits | None = None) -> None:
        self.root = root
        self.limits = limits or FileLimits()
        self.skipped: list[Skipped] = []
        self._files: dict[str, TreeFile] = {}
        self._zip_entries: dict[str, _ZipEntry] = {}
        self._archives: list[zipfile.ZipFile] = []
        self._inflated_budget = MAX_TOTAL_BYTES

    # -- building -------------------------------------------------------------------------------

    def _add_folder(self, folder: Path) -> None:
        root_real = folder.resolve()
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d != "__MACOSX")
            for name in sorted(filenames):
                full = Path(dirpath) / name
                rel = full.relative_to(folder).as_posix()
                if is_junk(rel):
                    continue
                try:
                    st = full.lstat()
                    if stat.S_ISLNK(st.st_mode):
                        target = full.resolve()
                        if not target.is_relative_to(root_real):
                            self.skipped.append(Skipped(rel, "link points outside the source"))
                            continue
                        st = target.stat()
                    if not stat.S_ISREG(st.st_mode):
                        continue
                except OSError as exc:
                    self.skipped.append(Skipped(rel, f"cannot read: {exc.strerror or exc}"))
                    continue
                self._add_file(TreeFile(rel, st.st_size))

    def _add_zip(self, archive: zipfile.ZipFile, prefix: str, depth: int) -> None:
        self._archives.append(archive)
        for info in archive.infolist():
            name = info.filename
            if info.is_dir():
                continue
            shown = f"{prefix}{name}"
            if _unsafe_member(name):
                self.skipped.append(Skipped(shown, "unsafe path in archive (zip-slip), not extracted"))
                continue
            if is_junk(name):
                continue
            if info.flag_bits & 0x1:
                self.skipped.append(Skipped(shown, "encrypted archive member"))
                continue
            is_archive = name.lower().endswith(".zip") and depth < MAX_NESTED_ZIP_DEPTH
            too_large = (
                f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
                if info.file_size > MAX_FILE_BYTES
                else None if is_archive else self.limits.too_large(info.file_size)
            )
            if too_large:
                self.skipped.append(Skipped(shown, too_large))
                continue
            if (
                info.compress_size
                and info.file_size / info.compress_size > MAX_RATIO
                and info.file_size > (1 << 20)
            ):
                self.skipped.append(Skipped(shown, "suspicious compression ratio (zip bomb?)"))
                continue
            self._inflated_budget -= info.file_size
            if self._inflated_budget < 0:
                self.skipped.append(Skipped(shown, "archive inflates past the size budget (zip bomb?)"))
                continue
            if is_archive:
                # Notion splits big exports into part zips inside one zip: read them as one tree.
                try:
                    inner = zipfile.ZipFile(io.BytesIO(self._read_zip_member(archive, info)))
                except (zipfile.BadZipFile, OSError, ValueError) as exc:
                    self.skipped.append(Skipped(shown, f"corrupt nested archive: {exc}"))
                    continue
                self._add_zip(inner, prefix="", depth=depth + 1)
                continue
            self._zip_entries[name] = _ZipEntry(archive, info)
            self._add_file(TreeFile(name, info.file_size))

    def _add_file(self, f: TreeFile) -> None:
        too_large = self.limits.too_large(f.size)
        if too_large:
            self.skipped.append(Skipped(f.path, too_large))
            return
        self._files.setdefault(f.path, f)

    @staticmethod
    def _read_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        # Read with a hard cap: the header's size may lie (bombs forge it).
        with archive.open(info) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValueError("member inflates past the size limit")
        return data

    # -- reading --------------------------------------------------------------------------------

    def files(self) -> list[TreeFile]:
        return [self._files[p] for p in sorted(self._files)]

    def exists(self, path: str) -> bool:
        return path in self._files

    def read(self, path: str) -> bytes:
        """Bytes of one file. Raises OSError/ValueError for unreadable or corrupt content."""
        entry = self._zip_entries.get(path)
        if entry is not None:
            try:
                return self._read_zip_member(entry.archive, entry.info)
            except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
                raise ValueError(f"corrupt archive member: {exc}") from exc
            except RuntimeError as exc:  # zipfile raises this for encrypted members
                raise ValueError(str(exc)) from exc
        if path not in self._files:
            raise FileNotFoundError(path)
        full = self.root / path
        cap = min(MAX_FILE_BYTES, self.limits.max_file_bytes)
        with open(full, "rb") as fh:
            data = fh.read(cap + 1)
        if len(data) > cap:
            raise ValueError("file grew past the size limit while reading")
        return data

    def fingerprint(self, path: str) -> str:
        """Cheap change detector: the CRC and size from a zip's directory, a hash for folders."""
        entry = self._zip_entries.get(path)
        if entry is not None:
            return f"z{entry.info.CRC:08x}-{entry.info.file_size}"
        try:
            return "f" + hashlib.sha1(self.read(path)).hexdigest()[:16]
        except (OSError, ValueError):
            return "unreadable"

    def close(self) -> None:
        for archive in self._archives:
            archive.close()
        self._archives.clear()

    def __enter__(self) -> SourceTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_tree(source: Path, limits: FileLimits | None = None) -> SourceTree:
    """Open a folder or a zip as a `SourceTree`. Raises `SourceUnreadableError` if it can't be read."""
    source = Path(source)
    if not source.exists():
        raise SourceUnreadableError(f"{source}: no such file or folder.")
    tree = SourceTree(source, limits)
    if source.is_dir():
        tree._add_folder(source)
        return tree
    if zipfile.is_zipfile(source):
        try:
            archive = zipfile.ZipFile(source)
            tree._add_zip(archive, prefix="", depth=0)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise SourceUnreadableError(f"{source}: corrupt or unreadable zip archive ({exc}).") from exc
        return tree
    if source.suffix.lower() == ".zip":
        raise SourceUnreadableError(f"{source}: not a valid zip archive (corrupt or truncated).")
    # A single file is a docs folder of one file.
    tree.root = source.parent
    try:
        tree._add_file(TreeFile(source.name, source.stat().st_size))
    except OSError as exc:
        raise SourceUnreadableError(f"{source}: cannot read ({exc}).") from exc
    return tree
