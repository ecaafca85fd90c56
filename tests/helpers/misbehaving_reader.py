"""Readers that misbehave on purpose, for the per-file time budget (made inside the worker process).

`make_misbehaving_reader` is a module-level function, so it can be pickled into the worker: a docs
reader, except that a file named `hang.md` never finishes parsing and `crash.md` kills the process.
"""

from __future__ import annotations

import os
import signal
import time

from indexer.documents import DocRef, RawDocument
from indexer.sources.docs import DocsReader


class MisbehavingReader(DocsReader):
    def load(self, ref: DocRef) -> RawDocument:
        if ref.path.endswith("hang.md"):
            while True:  # a parser stuck in pure Python: no thread could stop this
                time.sleep(0.05)
        if ref.path.endswith("crash.md"):
            os.kill(os.getpid(), signal.SIGKILL)  # as a segfault in a C parser would
        return super().load(ref)


def make_misbehaving_reader(kind: str, base_url: str | None = None) -> MisbehavingReader:
    return MisbehavingReader(base_url=base_url)
