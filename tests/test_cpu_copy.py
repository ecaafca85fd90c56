"""The CPU-friendly Q8_0 copy of a small model in a slow quantization (the default model is Q4_1)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from models import cpu_copy
from models.llm import LocalLLM
from models.locate import resolve_llm

REPO = Path(__file__).resolve().parents[1]
Q4_1, Q4_K_M, Q8_0 = 3, 15, 7
PROMPT = [{"role": "user", "content": "How do I reset a smart bulb? Answer in two sentences."}]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSIST_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "cpu-copies"


def _next_token_logprobs(path: Path, text: str) -> np.ndarray:
    from llama_cpp import Llama

    model = Llama(model_path=str(path), n_ctx=1024, logits_all=True, verbose=False)
    try:
        tokens = model.tokenize(text.encode("utf-8"))[:300]
        model.eval(tokens)
        logits = np.array(model.scores[: len(tokens)], dtype=np.float64)
    finally:
        model.close()
    logits -= logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def test_only_small_models_in_slow_quantizations_are_copied() -> None:
    mb = 1024**2
    assert cpu_copy.needs_copy(Q4_1, 100 * mb)
    assert cpu_copy.needs_copy(8, 500 * mb)  # Q5_0
    assert not cpu_copy.needs_copy(Q8_0, 100 * mb)  # already fast
    assert not cpu_copy.needs_copy(Q4_K_M, 100 * mb)
    assert not cpu_copy.needs_copy(None, 100 * mb)  # file doesn't say: leave it
    assert not cpu_copy.needs_copy(Q4_1, 4000 * mb)  # a 7B model: the copy would cost more than it saves


def test_default_model_runs_from_a_q8_copy_that_predicts_like_the_original(cache: Path) -> None:
    fast = LocalLLM(n_ctx=512)
    original = LocalLLM(n_ctx=512, cpu_copy=False)
    try:
        assert fast.file_type == Q4_1
        assert "".join(fast.stream_chat(PROMPT, max_tokens=8, temperature=0.0)).strip()
        assert original.loaded_path is None  # nothing loaded yet
        original.load()
        assert original.loaded_path == original.path
        assert fast.loaded_path is not None and fast.loaded_path.parent == cache
        assert LocalLLM(fast.loaded_path).file_type == Q8_0
        assert [p.name for p in cache.iterdir()] == [fast.loaded_path.name]  # no partial file left
        copy, source = fast.loaded_path, original.path
    finally:
        fast.close()
        original.close()
    # Same weights, finer grid: next-token distributions over a KB article nearly coincide. (A
    # lossy re-encoding such as Q4_0 agrees at ~73% with KL ~0.25, so these bounds can fail.)
    text = next((REPO / "demo" / "kb" / "docs").rglob("*.md")).read_text(encoding="utf-8")
    a = _next_token_logprobs(source, text)
    b = _next_token_logprobs(copy, text)
    assert (a.argmax(axis=1) == b.argmax(axis=1)).mean() >= 0.9
    assert (np.exp(a) * (a - b)).sum(axis=1).mean() < 0.05


def test_copy_is_reused_then_replaced_when_the_source_changes(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "models" / "small.gguf"
    source.parent.mkdir()
    shutil.copyfile(resolve_llm(), source)
    first = cpu_copy.cpu_friendly(source, Q4_1)
    assert first != source and first.is_file()
    stamp = first.stat().st_mtime_ns
    assert cpu_copy.cpu_friendly(source, Q4_1) == first
    assert first.stat().st_mtime_ns == stamp  # not made again

    # The same name in another folder is another model: its copy must not evict this one.
    twin = tmp_path / "elsewhere" / "small.gguf"
    twin.parent.mkdir()
    shutil.copyfile(source, twin)
    assert cpu_copy.cpu_friendly(twin, Q4_1) not in (first, twin)
    assert first.is_file()

    os.utime(source, ns=(stamp, stamp + 10**9))  # the user replaced the file
    second = cpu_copy.cpu_friendly(source, Q4_1)
    assert second != first and second.is_file()
    assert not first.exists()  # the stale copy is gone
    assert len(list(cache.glob("small.*.q8_0.gguf"))) == 2  # this one's and the twin's


def test_a_file_that_cannot_be_converted_is_used_as_is(
    cache: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(resolve_llm().read_bytes()[: 4 * 1024**2])  # a truncated download
    with caplog.at_level(logging.WARNING, logger="models.cpu_copy"):
        assert cpu_copy.cpu_friendly(broken, Q4_1) == broken
    assert "could not make a faster Q8_0 copy" in caplog.text
    assert not cache.exists() or list(cache.iterdir()) == []  # no half-written file left behind


def test_a_fast_quantization_is_loaded_directly(cache: Path) -> None:
    source = resolve_llm()
    assert cpu_copy.cpu_friendly(source, Q8_0) == source
    assert not cache.exists()
