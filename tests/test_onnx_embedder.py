"""The ONNX Runtime embedder (the app bundle's, no torch) against sentence-transformers on torch.

Real model on both sides: all-MiniLM-L6-v2, exported by the build step (`scripts/export_onnx.py`,
the `onnx_models_dir` fixture). Dev-ticket recall with either embedder is compared in
`tests/test_shared_kb.py`; the bundle itself in `tests/test_bundle.py`.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from common.errors import ModelLoadError
from models.embedder import FullInstallRequired, SentenceTransformerEmbedder, make_embedder
from models.locate import DEFAULT_EMBEDDER_NAME, EmbedderSpec, resolve_embedder
from models.onnx_embedder import OnnxEmbedder

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def onnx_env(onnx_models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSIST_MODELS_DIR", str(onnx_models_dir))
    return onnx_models_dir


def _kb_chunk_texts(docs: Path, embedder: OnnxEmbedder) -> list[str]:
    """What the indexer embeds for a KB folder: every chunk's `embed_text`."""
    from indexer.chunker import Chunker
    from indexer.sources import detect_kind, make_reader
    from indexer.sources._tree import open_tree
    from indexer.store import doc_uid

    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    tree = open_tree(docs)
    reader = make_reader(detect_kind(tree))
    texts: list[str] = []
    for ref in reader.scan(tree, []):
        doc = reader.load(ref)
        texts += [c.embed_text for c in chunker.chunk(doc, doc_uid(str(docs), ref.key))]
    return texts


def test_onnx_gives_the_vectors_and_token_counts_of_sentence_transformers_on_kb_chunks(
    onnx_env: Path, shared_dir: Path
) -> None:
    spec = resolve_embedder()
    assert spec.name == DEFAULT_EMBEDDER_NAME and spec.path.parent == onnx_env
    onnx = OnnxEmbedder(spec, threads=2)
    # The fixture's folder has no torch weights (as in the bundle): torch reads the package's own.
    package_folder = EmbedderSpec(spec.name, (spec.path / "config.json").resolve().parent)
    torch_side = SentenceTransformerEmbedder(package_folder, threads=2)
    texts = _kb_chunk_texts(shared_dir / "data" / "exports" / "kb" / "docs", onnx)
    assert len(texts) > 300
    # The chunker's limit rests on the counts: the same for every chunk of the folder.
    assert onnx.max_tokens == torch_side.max_tokens == 256
    assert onnx.count_tokens(texts) == torch_side.count_tokens(texts)
    # A handful spread over the folder, the longest chunk, a text past the limit, an empty one.
    sample = [*texts[:: len(texts) // 40], max(texts, key=len), " ".join(texts[:30]), ""]
    ours = onnx.encode(sample, batch_size=16)
    reference = torch_side.encode(sample, batch_size=16)
    assert ours.shape == reference.shape == (len(sample), onnx.dimension) and ours.dtype == np.float32
    assert float(np.abs(ours - reference).max()) < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # Padding leaves a text's vector alone: alone or in a batch of longer ones, the same.
    assert float(np.abs(onnx.encode(sample[:1])[0] - ours[0]).max()) < 1e-5
    assert onnx.encode([]).shape == (0, onnx.dimension)


def test_the_factory_picks_onnx_when_the_model_folder_has_the_export(
    onnx_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emb = make_embedder(threads=1)
    assert isinstance(emb, OnnxEmbedder) and emb.name == DEFAULT_EMBEDDER_NAME
    assert emb.backend == "onnxruntime" and emb.dimension == 384
    forced = make_embedder(backend="torch")
    assert isinstance(forced, SentenceTransformerEmbedder) and forced.name == emb.name
    # The package's own folder has no export: sentence-transformers, under the same name, so an
    # index either one built keeps its embedder identity for the other.
    monkeypatch.delenv("ASSIST_MODELS_DIR")
    plain = make_embedder()
    assert isinstance(plain, SentenceTransformerEmbedder) and plain.name == emb.name
    with pytest.raises(ModelLoadError, match=r"onnx/model\.onnx"):
        make_embedder(backend="onnx")
    # Without torch and without the export there is nothing to run it with: a clear error.
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(FullInstallRequired, match="needs the full Python install"):
        make_embedder()


def test_a_pickled_onnx_embedder_reloads_in_the_other_process(onnx_env: Path) -> None:
    emb = make_embedder(threads=1)
    emb.encode(["loaded before pickling"])
    copy = pickle.loads(pickle.dumps(emb))
    assert isinstance(copy, OnnxEmbedder) and copy.spec == emb.spec and copy._threads == 1
    texts = ["Reset the hub", "Error E-104 after the update"]
    assert copy.count_tokens(texts) == emb.count_tokens(texts)
    assert float(np.abs(copy.encode(texts) - emb.encode(texts)).max()) < 1e-6


TORCHLESS = r"""
import json, sys
from pathlib import Path

def main():
    # As in the app bundle: torch and what needs it can't be imported.
    for name in ("torch", "sentence_transformers", "transformers"):
        sys.modules[name] = None
    from assist.cli_index import main as index_main
    from assist.query import build_query
    from assist.retrieval import Retriever
    from indexer.store import IndexStore
    from models.embedder import FullInstallRequired, SentenceTransformerEmbedder, make_embedder
    from models.locate import resolve_embedder

    db, docs, plain = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    out = {"index": index_main([docs, "--db", str(db), "--rerank", "--json"])}
    out["model_json"] = (db / "rerank" / "model.json").is_file()
    store = IndexStore(db, create=False)
    retriever = Retriever(store, make_embedder(resolve_embedder(), threads=1))
    result = retriever.search(build_query("Hub blinking red", "How do I reset the hub?"))
    out["top"] = result.hits[0].title if result.hits else None
    out["second_stage"] = retriever.second_stage is not None
    out["embedder"] = type(retriever.embedder).__name__

    def error(call):
        try:
            call()
        except FullInstallRequired as exc:
            return str(exc)
        return None

    from assist.rerank import RERANK_DIR, load_second_stage
    from indexer.rerank_train import train_cross_encoder

    folder = db / RERANK_DIR
    out["train"] = error(lambda: train_cross_encoder(store, folder / "x"))
    # An index whose second stage reads a cross-encoder (made with the full install).
    model = json.loads((folder / "model.json").read_text())
    model["cross"] = {"depth": 5, "weight": 0.1, "max_length": 96}
    (folder / "model.json").write_text(json.dumps(model))
    (folder / "cross-encoder.json").write_text(json.dumps({"kb_hash": model["kb_hash"]}))
    (folder / "cross-encoder").mkdir()
    out["cross"] = error(lambda: load_second_stage(store))
    store.close()
    out["torch_encode"] = error(lambda: SentenceTransformerEmbedder(resolve_embedder(plain)).encode(["x"]))
    heavy = ("torch", "sentence_transformers", "transformers")
    out["torch_loaded"] = sorted(m for m in heavy if sys.modules.get(m))
    print(json.dumps(out))

if __name__ == "__main__":  # the indexer's parser worker re-imports this file
    main()
"""


def test_without_torch_the_default_paths_run_and_the_torch_ones_say_what_they_need(
    onnx_models_dir: Path, tmp_path: Path
) -> None:
    script = tmp_path / "torchless.py"
    script.write_text(TORCHLESS)
    plain = resolve_embedder().path  # the package's folder: no onnx/model.onnx
    env = {**os.environ, "ASSIST_MODELS_DIR": str(onnx_models_dir), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, str(script), str(tmp_path / "db"), str(REPO / "demo" / "kb" / "docs"), str(plain)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    # Indexing, the second stage's fit (`--rerank`: numpy on the embedder's vectors) and search.
    assert out["index"] == 0 and out["model_json"], out
    assert out["embedder"] == "OnnxEmbedder" and out["second_stage"] and out["top"], out
    for step in ("train", "cross", "torch_encode"):
        assert out[step] and "needs the full Python install" in out[step], (step, out[step])
    assert "cross-encoder" in out["cross"] and "--no-rerank" in out["cross"]
    assert out["torch_loaded"] == []
