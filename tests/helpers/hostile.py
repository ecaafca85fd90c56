"""A docs folder of hostile files beside a few good ones, for the indexer's bounds (test and bench).

    good, hostile = write_hostile_folder(tmp_path / "kb")

`good` are the relative paths that must end up indexed; `hostile` maps each hostile file's relative
path to what it attacks. The two files from the issue that found the stall are here as they were
described: 200,000 nested `<div>`s (2.2 MB) and a 61 MB page of one `<div><p>…</p></div>` repeated.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

GOOD = {
    "good/reset-hub.md": "# Reset the hub\n\n1. Hold the button for 10 seconds.\n2. Wait for the light.\n",
    "good/pair-bulb.md": "# Pair a bulb\n\nOpen the app, tap **Add device** and follow the prompts.\n",
    "good/wifi.txt": "Move the hub to a new Wi-Fi network\n\nOpen Settings > Hub > Wi-Fi.\n",
    "good/warranty.html": "<html><head><title>Warranty</title></head><body><h1>Warranty</h1>"
    "<p>Every Lumen product has a two-year limited warranty.</p></body></html>",
    "good/shipping.rst": "Shipping times\n==============\n\nOrders ship within two business days.\n",
}


def _nested_divs(depth: int) -> str:
    return "<html><body>" + "<div>" * depth + "deep text" + "</div>" * depth + "</body></html>"


def write_hostile_folder(root: Path, *, huge: bool = True) -> tuple[list[str], dict[str, str]]:
    """Write the folder; `huge=False` leaves out the 61 MB file (it only tests the size cap)."""
    rng = random.Random(7)
    hostile: dict[str, bytes] = {
        # The file: 2.2 MB of nesting; recursive converters overflow, lxml truncates.
        "hostile/nested-divs.html": _nested_divs(200_000).encode(),
        "hostile/nested-unclosed.html": ("<html><body>" + "<div><span>x" * 60_000).encode(),
        "hostile/deep-list.md": "".join(f"{'  ' * i}- item {i}\n" for i in range(2000)).encode(),
        "hostile/deep-quote.md": (">" * 100_000 + " quoted\n").encode(),
        "hostile/stars.md": ("# Stars\n\n" + "*" * 500_000 + "\n" + "_" * 500_000 + "\n").encode(),
        "hostile/brackets.md": ("# Brackets\n\n" + "[" * 300_000 + "x" + "](" * 100_000 + "\n").encode(),
        "hostile/pipes.md": ("# Pipes\n\n" + "|" * 400_000 + "\n" + "| a " * 100_000 + "|\n").encode(),
        "hostile/backticks.md": ("# Ticks\n\n" + "`" * 300_000 + "\n" + "``` " * 50_000 + "\n").encode(),
        "hostile/one-long-line.txt": ("word" * 1_500_000).encode(),
        "hostile/binary.txt": bytes(rng.randrange(256) for _ in range(200_000)),
        "hostile/utf16-no-bom.md": "# Hello\n\nText in UTF-16 without a BOM.\n".encode("utf-16-le"),
        "hostile/corrupt.pdf": b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(50_000)),
        "hostile/corrupt.docx": b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(50_000)),
        "hostile/empty.md": b"",
        "hostile/wide-table.html": (
            "<table><tr>"
            + "<td>c</td>" * 50_000
            + "</tr>"
            + ("<tr>" + "<td>v</td>" * 200 + "</tr>") * 500
            + "</table>"
        ).encode(),
    }
    purposes = {
        "hostile/nested-divs.html": "200,000 nested <div>s (2.2 MB)",
        "hostile/nested-unclosed.html": "120,000 unclosed nested elements",
        "hostile/deep-list.md": "a 2,000-level nested Markdown list",
        "hostile/deep-quote.md": "100,000 nested blockquote markers",
        "hostile/stars.md": "runs of 500,000 * and _",
        "hostile/brackets.md": "300,000 [ and 100,000 ](",
        "hostile/pipes.md": "runs of | and a 100,000-column table row",
        "hostile/backticks.md": "runs of backticks and 50,000 fence openers",
        "hostile/one-long-line.txt": "one 6 MB line without a space",
        "hostile/binary.txt": "random bytes with a text extension",
        "hostile/utf16-no-bom.md": "UTF-16 without a byte-order mark",
        "hostile/corrupt.pdf": "a PDF header then garbage",
        "hostile/corrupt.docx": "a zip signature then garbage",
        "hostile/empty.md": "an empty file",
        "hostile/wide-table.html": "a 50,000-column table",
    }
    for rel, text in GOOD.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    for rel, data in hostile.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    bomb = root / "hostile/bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<" + b"a" * (30 * 1024 * 1024))
    purposes["hostile/bomb.docx"] = "a DOCX whose XML inflates to 30 MB"
    if huge:
        # The second file: 61 MB of one small block repeated.
        block = b"<div><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p></div>\n"
        with open(root / "hostile/huge.html", "wb") as fh:
            fh.write(b"<html><body>")
            for _ in range(61 * 1024 * 1024 // len(block)):
                fh.write(block)
            fh.write(b"</body></html>")
        purposes["hostile/huge.html"] = "61 MB of one <div><p> block repeated"
    return sorted(GOOD), purposes
