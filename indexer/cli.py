"""`assist-index`: build or update the local knowledge index.

    assist-index SOURCE... [--db DIR] [--server URL [--collection NAME]] [--publish DIR [--keep N]]
                 [--kind confluence|notion|docs] [--base-url URL]
                 [--json] [--rebuild] [--dry-run] [--max-file-mb MB] [--file-timeout SECONDS]
                 [--rerank | --no-rerank] [--rerank-budget SECONDS]
    assist-index status [--db DIR] [--server URL] [--json]

`--server` (or ASSIST_INDEX_SERVER) writes the vectors to a Chroma server (`chroma run`); `--db`
still holds the catalog and the lexical index. `--publish DIR` then writes the index as a new
version of DIR, a folder agents open read-only (`indexer.publish`).

Exit codes: 0 done (files may have been skipped, see the report), 1 a source could not be read
as a whole (nothing already indexed was deleted), 2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common.errors import AssistError, ConfigError
from common.logs import debug_from_env, setup_logging
from common.paths import default_index_dir
from indexer.bounds import DEFAULT_MAX_FILE_BYTES, DEFAULT_SECONDS_PER_FILE, MB, FileLimits
from indexer.vectors import COLLECTION, IndexServer, server_headers

_KINDS = ("confluence", "notion", "docs")
RERANK_BY_DEFAULT = False
"""Off: fitted on the KB's own pseudo-queries it lost on unseen tickets (README, "Second stage")."""

AfterIndex = Callable[[Path, argparse.Namespace, object], object]
"""Run after a successful index run with (db, the parsed arguments, the embedder): the second
stage is fitted by `assist.cli_index`, a layer above this one."""


class _RichProgress:
    """A progress bar with ETA, drawn only on a terminal."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("[bold]Indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[label]}", style="dim"),
            transient=True,
        )
        self._task = None

    def start(self, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("index", total=total, label="")

    def advance(self, n: int = 1, label: str = "") -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=n, label=label[-50:])

    def stop(self) -> None:
        self._progress.stop()


def _parse(argv: list[str]) -> argparse.Namespace:
    if argv and argv[0] == "status" and not Path("status").exists():
        parser = argparse.ArgumentParser(prog="assist-index status", description="Show what the index holds.")
        parser.add_argument("--db", type=Path, default=None, help="index directory")
        _server_args(parser)
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        ns = parser.parse_args(argv[1:])
        ns.command = "status"
        return ns
    parser = argparse.ArgumentParser(
        prog="assist-index",
        description="Index Confluence, Notion and docs exports for Agent Assist. Re-runs are incremental.",
        epilog="`assist-index status` shows what the index holds.",
    )
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE", help="export zip or folder")
    parser.add_argument(
        "--db", type=Path, default=None, help=f"index directory (default {default_index_dir()})"
    )
    _server_args(parser)
    parser.add_argument(
        "--publish",
        type=Path,
        metavar="DIR",
        help="after indexing, publish the index as a new version of DIR (a share agents open read-only)",
    )
    parser.add_argument(
        "--keep", type=int, default=3, help="published versions to keep besides the current (default 3)"
    )
    parser.add_argument("--kind", choices=_KINDS, help="export kind (default: auto-detect)")
    parser.add_argument("--base-url", help="base URL that turns page ids/paths into links")
    parser.add_argument("--embedder", help="sentence-transformers model folder (default all-MiniLM-L6-v2)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--rebuild", action="store_true", help="drop the index and re-embed everything")
    parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    parser.add_argument(
        "--max-file-mb",
        type=float,
        default=DEFAULT_MAX_FILE_BYTES / MB,
        help="skip document files larger than this (default %(default)g MB)",
    )
    parser.add_argument(
        "--file-timeout",
        type=float,
        default=DEFAULT_SECONDS_PER_FILE,
        help="skip a file whose parsing takes longer than this many seconds (default %(default)g)",
    )
    parser.add_argument(
        "--rerank",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fit the second stage (re-orders close sibling articles) to this KB after indexing; "
        "--no-rerank removes it; without either, an index keeps what it has"
        + (" (a new one gets it)" if RERANK_BY_DEFAULT else ""),
    )
    parser.add_argument(
        "--rerank-budget",
        type=float,
        default=600.0,
        help="stop fitting the second stage after this many seconds (default %(default)g)",
    )
    ns = parser.parse_args(argv)
    if ns.max_file_mb <= 0 or ns.file_timeout <= 0:
        parser.error("--max-file-mb and --file-timeout must be positive")
    ns.command = "index"
    return ns


def _server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        metavar="URL",
        help="a Chroma server (`chroma run`) for the vectors (default: ASSIST_INDEX_SERVER, or local)",
    )
    parser.add_argument("--collection", default=None, help="the server's collection (default kb_chunks)")


def server_from_env(url: str | None, collection: str | None) -> IndexServer | None:
    """The server the flags or ASSIST_INDEX_SERVER name, with ASSIST_INDEX_TOKEN for a proxy."""
    url = (url or os.environ.get("ASSIST_INDEX_SERVER", "")).strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--server must be an http:// or https:// URL (got {url!r})")
    header = os.environ.get("ASSIST_INDEX_TOKEN_HEADER", "Authorization")
    return IndexServer(
        url=url,
        collection=collection or COLLECTION,
        headers=server_headers(os.environ.get("ASSIST_INDEX_TOKEN"), header),
    )


ServerFor = Callable[[str | None, str | None], "IndexServer | None"]


def _print_report(report, console) -> None:
    from rich.table import Table

    table = Table(title="Index report", show_header=True, header_style="bold")
    for col in ("added", "updated", "removed", "unchanged", "skipped", "documents", "chunks", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(
        str(report.added),
        str(report.updated),
        str(report.removed),
        str(report.unchanged),
        str(len(report.skipped)),
        str(report.documents),
        str(report.chunks),
        f"{report.seconds:.1f}",
    )
    console.print(table)
    if report.skipped:
        skipped = Table(title="Skipped files", show_header=True, header_style="bold")
        skipped.add_column("path", overflow="fold")
        skipped.add_column("reason", overflow="fold")
        for s in report.skipped[:200]:
            skipped.add_row(s.path, s.reason)
        if len(report.skipped) > 200:
            skipped.add_row(f"… and {len(report.skipped) - 200} more", "")
        console.print(skipped)
    for err in report.errors:
        console.print(f"[bold red]error:[/] {err}")


def _status(db: Path, as_json: bool, server: IndexServer | None) -> int:
    from indexer.store import IndexStore

    store = IndexStore(db, create=False, server=server)
    try:
        docs, chunks = store.counts()
        info = {
            "db": str(db),
            "version": store.version,
            "vectors": store.vectors.describe(),
            "embedder": store.get_meta("embedder"),
            "dimension": int(store.get_meta("dimension") or 0) or None,
            "documents": docs,
            "chunks": chunks,
            "last_run_state": store.get_meta("run_state"),
            "sources": [
                {
                    "root": root,
                    "kind": kind,
                    "documents": len(store.docs(sid)),
                    "last_run": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(last)) if last else None,
                }
                for sid, kind, root, last in store.sources()
            ],
        }
    finally:
        store.close()
    if as_json:
        print(json.dumps(info, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"Index [bold]{db}[/]: {docs} documents, {chunks} chunks, embedder {info['embedder']}")
    table = Table(show_header=True, header_style="bold")
    for col in ("source", "kind", "documents", "last run"):
        table.add_column(col)
    for s in info["sources"]:
        table.add_row(s["root"], s["kind"], str(s["documents"]), s["last_run"] or "")
    console.print(table)
    return 0


def main(
    argv: list[str] | None = None, after_index: AfterIndex | None = None, server_for: ServerFor | None = None
) -> int:
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    # The indexer may not read the assistant's settings (layers), and sees KB files, not tickets:
    # ASSIST_DEBUG alone turns its debug log on.
    setup_logging("assist-index", debug=debug_from_env())
    db = (args.db or default_index_dir()).expanduser()
    try:
        server = (server_for or server_from_env)(args.server, args.collection)
        if args.command == "status":
            return _status(db, args.json, server)
        from indexer.pipeline import SourceSpec, index
        from models.embedder import make_embedder
        from models.locate import resolve_embedder

        embedder = make_embedder(resolve_embedder(args.embedder))
        progress = _RichProgress() if sys.stderr.isatty() and not args.json else None
        specs = [SourceSpec(path=p, kind=args.kind, base_url=args.base_url) for p in args.sources]
        limits = FileLimits(max_file_bytes=int(args.max_file_mb * MB), seconds_per_file=args.file_timeout)
        report = index(
            specs,
            db,
            embedder,
            rebuild=args.rebuild,
            dry_run=args.dry_run,
            progress=progress,
            limits=limits,
            server=server,
        )
        if after_index is not None and not args.dry_run and report.documents:
            after_index(db, args, embedder)
        published, publish_error = None, ""
        if args.publish and not args.dry_run:
            try:
                published = _publish(db, server, args.publish, args.keep)
            except (AssistError, OSError, sqlite3.Error) as exc:  # the share: read-only, gone, full
                publish_error = f"publishing to {args.publish} failed, agents keep the last version: {exc}"
    except AssistError as exc:
        print(f"assist-index: {exc}", file=sys.stderr)
        return 2 if args.command == "status" else 1
    if args.json:
        out = report.as_json()
        if published is not None:
            out["published"] = published.as_json()
        if publish_error:
            out["publish_error"] = publish_error
        print(json.dumps(out, ensure_ascii=False))
    else:
        from rich.console import Console

        console = Console()
        _print_report(report, console)
        if published is not None:
            if published.unchanged:
                console.print(f"Published: {published.folder} already holds this index ({published.version})")
            else:
                console.print(
                    f"Published version [bold]{published.version}[/] to {args.publish} "
                    f"({published.chunks} chunks, {published.bytes / 1e6:.1f} MB, {published.seconds:.1f} s)"
                    + (f"; removed old versions {', '.join(published.removed)}" if published.removed else "")
                )
    if publish_error:
        print(f"assist-index: {publish_error}", file=sys.stderr)
        return 1
    return 1 if report.errors else 0


def _publish(db: Path, server: IndexServer | None, dest: Path, keep: int):
    from indexer.publish import publish
    from indexer.store import IndexStore

    store = IndexStore(db, create=False, server=server)
    try:
        return publish(store, dest.expanduser(), keep=max(keep, 1))
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
