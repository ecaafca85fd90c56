"""models.llm with the real default GGUF: template, counting, streaming, cancellation, preemption."""

from __future__ import annotations

import os
import threading
import time
from contextlib import closing

import pytest

from common.errors import ModelLoadError
from models.llm import LLM, ChatMessage, ContextOverflowError, LocalLLM, physical_cores
from tests.helpers.fakes import FakeLLM

pytestmark = pytest.mark.slow

MESSAGES: list[ChatMessage] = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Write three sentences about password resets."},
]
HANG_GUARD = 180.0  # seconds; only to fail instead of hanging, never a performance assertion (a
# 3,000-token prompt takes ~25 s with the portable llama.cpp build, several times that on a busy CI)


@pytest.fixture(scope="module")
def llm() -> LocalLLM:
    model = LocalLLM(n_ctx=1024)
    model.load()
    return model


def _run(fn, timeout: float = HANG_GUARD):
    """Run `fn` in a thread; fail (instead of hanging the suite) if it doesn't finish."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # re-raised in the test thread
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout}s"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_both_implementations_satisfy_the_protocol(llm: LocalLLM) -> None:
    assert isinstance(llm, LLM)
    assert isinstance(FakeLLM(), LLM)


def test_chat_template_comes_from_gguf_metadata(llm: LocalLLM) -> None:
    template = llm.metadata["tokenizer.chat_template"]
    assert llm.has_chat_template
    prompt = llm.format_chat(MESSAGES)
    # SmolLM2's template is ChatML-shaped; our system message replaces its built-in default one.
    assert prompt.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>")
    assert prompt.endswith("<|im_start|>assistant\n")
    assert "named SmolLM" in template and "named SmolLM" not in prompt


def test_falls_back_to_chatml_without_a_template() -> None:
    model = LocalLLM()
    model._vocabulary().metadata.pop("tokenizer.chat_template")  # as if the GGUF had none
    try:
        assert not model.has_chat_template
        prompt = model.format_chat(MESSAGES)
        assert prompt.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>")
        assert prompt.rstrip().endswith("<|im_start|>assistant")
        # llama-cpp-python's own fallback would have been llama-2 ("[INST]"), which this model can't read.
        assert "[INST]" not in prompt
    finally:
        model.close()


def test_count_tokens_uses_the_model_tokenizer(llm: LocalLLM) -> None:
    assert llm.count_tokens("") == 0
    short, long = llm.count_tokens("Reset your password."), llm.count_tokens("Reset your password. " * 20)
    assert 0 < short < long
    full = llm._vocabulary().tokenize(llm.format_chat(MESSAGES).encode(), add_bos=False, special=True)
    assert llm.count_chat_tokens(MESSAGES) == len(full)
    assert llm.fits(MESSAGES, 100)
    assert not llm.fits(MESSAGES, llm.n_ctx)


def test_context_is_capped_at_the_training_context() -> None:
    model = LocalLLM(n_ctx=1_000_000)
    try:
        assert model.n_ctx_train == 8192
        assert model.n_ctx == 8192
    finally:
        model.close()


def test_threads_default_to_physical_cores() -> None:
    cores = physical_cores()
    assert 1 <= cores <= (os.cpu_count() or 1)
    assert LocalLLM().threads == cores
    assert LocalLLM(threads=1).threads == 1


def test_streams_several_pieces(llm: LocalLLM) -> None:
    stream = llm.stream_chat(MESSAGES, max_tokens=24, temperature=0)
    pieces = _run(lambda: list(stream))
    assert len(pieces) > 1
    assert "".join(pieces).strip()
    assert stream.finish_reason in {"stop", "length"}


def test_cancel_stops_within_one_token(llm: LocalLLM) -> None:
    full = _run(lambda: list(llm.stream_chat(MESSAGES, max_tokens=24, temperature=0)))
    cancel = threading.Event()
    stream = llm.stream_chat(MESSAGES, max_tokens=24, cancel=cancel, temperature=0)

    def consume() -> list[str]:
        got = []
        for piece in stream:
            got.append(piece)
            cancel.set()  # as the sidebar's Stop button would, between two pieces
        return got

    pieces = _run(consume)
    assert len(full) > 1
    assert pieces == full[:1]
    assert stream.finish_reason == "cancelled"


def test_cancel_from_another_thread(llm: LocalLLM) -> None:
    cancel = threading.Event()
    stream = llm.stream_chat(MESSAGES, max_tokens=200, cancel=cancel, temperature=0)
    first, pieces = threading.Event(), []

    def consume() -> None:
        for piece in stream:
            pieces.append(piece)
            first.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    assert first.wait(HANG_GUARD)
    cancel.set()
    thread.join(HANG_GUARD)
    assert not thread.is_alive()
    assert stream.finish_reason == "cancelled"
    assert len(pieces) < 200


def test_close_releases_the_model_for_the_next_request(llm: LocalLLM) -> None:
    with closing(llm.stream_chat(MESSAGES, max_tokens=24)) as stream:
        next(stream)
    assert stream.finish_reason == "cancelled"
    assert len(_run(lambda: list(llm.stream_chat(MESSAGES, max_tokens=8, temperature=0)))) > 1


def test_a_new_request_cancels_the_one_in_flight(llm: LocalLLM) -> None:
    first = llm.stream_chat(MESSAGES, max_tokens=64, temperature=0)
    assert next(first)
    second = llm.stream_chat(MESSAGES, max_tokens=16, temperature=0)
    assert _run(lambda: list(first)) == []  # ended at once, without another token
    assert first.finish_reason == "cancelled"
    assert len(_run(lambda: list(second))) > 1
    assert second.finish_reason in {"stop", "length"}


def test_a_new_request_waits_for_the_one_in_flight_to_stop(llm: LocalLLM) -> None:
    """Two threads, as on a ticket switch: the old worker is mid-stream when the new one starts."""
    started, old_pieces = threading.Event(), []
    old = llm.stream_chat(MESSAGES, max_tokens=400, temperature=0)

    def old_worker() -> None:
        for piece in old:
            old_pieces.append(piece)
            started.set()
            time.sleep(0.01)  # a slow consumer (GUI updates) keeps the stream open between pieces

    thread = threading.Thread(target=old_worker, daemon=True)
    thread.start()
    assert started.wait(HANG_GUARD)
    new_pieces = _run(lambda: list(llm.stream_chat(MESSAGES, max_tokens=8, temperature=0)))
    thread.join(HANG_GUARD)
    assert not thread.is_alive()
    assert old.finish_reason == "cancelled"
    assert len(old_pieces) < 400
    assert new_pieces


def test_overflowing_prompt_is_refused(llm: LocalLLM) -> None:
    stream = llm.stream_chat(MESSAGES, max_tokens=llm.n_ctx)
    with pytest.raises(ContextOverflowError):
        next(stream)
    # The refusal released the model.
    assert _run(lambda: list(llm.stream_chat(MESSAGES, max_tokens=4, temperature=0)))


def test_missing_or_broken_model_raises_model_load_error(tmp_path) -> None:
    with pytest.raises(ModelLoadError):
        LocalLLM(tmp_path / "missing.gguf").count_tokens("x")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelLoadError):
        LocalLLM(broken).count_tokens("x")
    with pytest.raises(ModelLoadError):
        next(LocalLLM(broken).stream_chat(MESSAGES, max_tokens=4))


def test_cancel_lands_during_prompt_evaluation() -> None:
    """A long prompt is evaluated in slices: a cancel stops it part-way, not after the whole prompt."""
    model = LocalLLM(n_ctx=4096)
    model.load()
    long_text = "The hub lost its Wi-Fi connection after the router changed. " * 250
    messages: list[ChatMessage] = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": long_text},
    ]
    prompt_tokens = model.count_chat_tokens(messages)
    assert prompt_tokens > 2000
    cancel = threading.Event()
    stream = model.stream_chat(messages, max_tokens=16, cancel=cancel)
    threading.Timer(0.3, cancel.set).start()
    pieces = _run(lambda: list(stream))
    assert pieces == []
    assert stream.finish_reason == "cancelled"
    evaluated = model._full_model().n_tokens
    assert 0 < evaluated < prompt_tokens - 1, (evaluated, prompt_tokens)
    # The partly evaluated prompt is reused, not recomputed, by the next request with that prefix.
    again = model.stream_chat(messages, max_tokens=4)
    assert _run(lambda: "".join(again)) is not None
    assert model._full_model().n_tokens >= prompt_tokens
    model.close()


def test_prefill_caches_the_instructions_for_the_next_prompt() -> None:
    model = LocalLLM(n_ctx=2048, temperature=0.0)
    system: ChatMessage = {"role": "system", "content": "You answer from passages. " * 20}
    first: list[ChatMessage] = [system, {"role": "user", "content": "How do I pair a bulb?"}]
    second: list[ChatMessage] = [system, {"role": "user", "content": "Why is the hub ring orange?"}]
    try:
        cold = _run(lambda: "".join(model.stream_chat(second, max_tokens=12)))
        model._full_model().reset()
        cached = model.prefill(first)
        assert cached == model.count_chat_tokens(first)
        # The next prompt finds the shared instructions in the cache and writes the same reply.
        warm = _run(lambda: "".join(model.stream_chat(second, max_tokens=12)))
        assert warm == cold
    finally:
        model.close()


def test_a_request_preempts_a_prefill() -> None:
    model = LocalLLM(n_ctx=4096)
    model.load()
    long_prompt: list[ChatMessage] = [{"role": "user", "content": "The hub went offline. " * 600}]
    total = model.count_chat_tokens(long_prompt)
    try:
        done: dict[str, int] = {}
        worker = threading.Thread(target=lambda: done.setdefault("cached", model.prefill(long_prompt)))
        worker.start()
        time.sleep(0.3)
        reply = _run(lambda: "".join(model.stream_chat(MESSAGES, max_tokens=4)))
        worker.join(HANG_GUARD)
        assert reply is not None
        assert 0 < done["cached"] < total  # stopped part-way to make room for the request
    finally:
        model.close()
