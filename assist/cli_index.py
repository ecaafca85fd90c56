"""`assist-index`: `indexer.cli` plus fitting the second stage (`assist.rerank`) to the new index.

The second stage needs the first stage (`assist.retrieval`) to fit, and the indexer may not import
the assistant (layers: ui → assist → indexer), so the command lives here and hands the indexer a
step to run after a successful run. `python -m indexer.cli` indexes without it.

`--rerank` fits it, `--no-rerank` removes it, and without either a run keeps the index's choice:
an index that has one gets it refitted when the KB changed. The fit is skipped when the stored
second stage was fitted to the same KB content (a hash of every article's content hash), so an
unchanged re-run stays fast.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from indexer import cli as index_cli


def fit_after_index(db: Path, args: argparse.Namespace, embedder: object) -> None:
    from assist.rerank import RERANK_DIR, load_second_stage
    from assist.rerank_fit import FitSettings, fit_second_stage
    from indexer.store import IndexStore

    folder = Path(db) / RERANK_DIR
    wanted = args.rerank
    if wanted is None:
        wanted = folder.is_dir() or index_cli.RERANK_BY_DEFAULT
    if not wanted:
        if args.rerank is False:
            shutil.rmtree(folder, ignore_errors=True)
        return
    store = IndexStore(db, create=False, server=server_for(args.server, args.collection))
    try:
        if load_second_stage(store) is not None:
            return  # fitted to this very content already
        started = time.perf_counter()
        stage, uids, report = fit_second_stage(
            store,
            embedder,
            FitSettings(budget_seconds=args.rerank_budget),  # type: ignore[arg-type]
        )
        stage.save(folder, uids)
    finally:
        store.close()
    if not args.json:
        print(
            f"second stage: fitted on {report.in_reach} of {report.queries} pseudo-queries "
            f"in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--self-test" in args:  # the offline installation check every program answers (assist.selftest)
        from assist.selftest import main as self_test_main

        return self_test_main(args, prog="assist-index")
    return index_cli.main(args, after_index=fit_after_index, server_for=server_for)


def server_for(url: str | None, collection: str | None):
    """`--server`, else ASSIST_INDEX_SERVER, else `[index] server`; the token from the keyring or
    ASSIST_INDEX_TOKEN (`assist.index_location`)."""
    from assist.config import load_settings
    from assist.index_location import index_server

    settings = load_settings().index
    return index_server(settings, url=url or None, collection=collection)


if __name__ == "__main__":
    sys.exit(main())
