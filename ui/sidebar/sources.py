"""Where "open in browser" goes for a search hit. Qt-free; called from a worker.

A hit with a URL opens it. Otherwise the article is opened from the export it was indexed from:
a file in a docs folder directly, a member of a zipped export extracted to a cache folder first
(browsers cannot open a file inside a zip).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from assist.results import DocHit
from common.paths import data_dir


def source_location(hit: DocHit, cache: Path | None = None) -> str | None:
    """A URL (`https://…` or `file://…`) for the article, or None if it cannot be found."""
    if hit.url:
        return hit.url
    root = Path(hit.source_root)
    if root.is_dir():
        candidate = (root / hit.path).resolve()
        # The path comes from the index; never let it point outside the source folder.
        if candidate.is_file() and root.resolve() in candidate.parents:
            return candidate.as_uri()
        return None
    if root.is_file() and zipfile.is_zipfile(root):
        cache = cache or data_dir() / "opened"
        with zipfile.ZipFile(root) as zf:
            names = set(zf.namelist())
            member = (
                hit.path
                if hit.path in names
                else next((n for n in names if n.endswith("/" + hit.path)), None)
            )
            if member is None:
                return None
            digest = hashlib.sha1(f"{root}::{member}".encode()).hexdigest()[:12]
            target = cache / digest / Path(member).name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(member))
            return target.resolve().as_uri()
    return None
