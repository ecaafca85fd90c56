"""Nothing leaves the machine: index, search and answer with every socket blocked.

A guard installed before anything else is imported turns any connect/DNS lookup into a recorded
failure; the run must succeed and record none. The offline switches are not set by the test: the
product must set them itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]

_GUARDED_RUN = textwrap.dedent(
    """
    import json, socket, sys
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:200])
        raise OSError("network blocked by test")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.getaddrinfo = refuse
    socket.create_connection = refuse

    from pathlib import Path
    from indexer.pipeline import SourceSpec, index
    from models.embedder import make_embedder
    from assist.engine import Engine
    from assist.answering import Answer

    src, db = Path(sys.argv[1]), Path(sys.argv[2])
    report = index([SourceSpec(src)], db, make_embedder())
    engine = Engine(db=db)
    result = engine.search_text("How do I reset the hub?")
    final = [e for e in engine.answer("How do I reset the hub?", result) if isinstance(e, Answer)]
    print(json.dumps({"documents": report.documents, "hits": len(result.hits),
                      "answered": bool(final and final[0].text), "attempts": attempts}))
    """
)


def test_index_search_answer_with_sockets_blocked(tmp_path: Path) -> None:
    src = tmp_path / "kb"
    src.mkdir()
    (src / "reset.md").write_text(
        "# Reset the hub\n\nHold the reset button for ten seconds until the ring blinks.\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "ANONYMIZED"))}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run(
        [sys.executable, "-c", _GUARDED_RUN, str(src), str(tmp_path / "db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["documents"] == 1 and result["hits"] == 1 and result["answered"]
    assert result["attempts"] == []


def test_chroma_telemetry_is_off(tmp_path: Path) -> None:
    from indexer.store import IndexStore

    store = IndexStore(tmp_path / "db")
    try:
        store.vectors.collection()
        client = store.vectors._client
        assert client.get_settings().anonymized_telemetry is False
        assert os.environ.get("HF_HUB_OFFLINE") == "1"
    finally:
        store.close()
