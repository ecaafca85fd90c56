"""The local LLM: any GGUF file through llama-cpp-python, streamed, cancellable, one request at a time.

    llm = LocalLLM()                                   # the default GGUF; nothing is loaded yet
    messages = [{"role": "system", "content": "…"}, {"role": "user", "content": "…"}]
    assert llm.count_chat_tokens(messages) + 256 <= llm.n_ctx
    cancel = threading.Event()
    stream = llm.stream_chat(messages, max_tokens=256, cancel=cancel)
    for piece in stream:                               # text pieces, about one per token
        print(piece, end="")
    stream.finish_reason                               # "stop", "length" or "cancelled"

Chat template: the model's own `tokenizer.chat_template` from its GGUF metadata, rendered with
llama-cpp-python's `Jinja2ChatFormatter` (the same formatter `Llama.create_chat_completion` builds
from that metadata). llama-cpp-python falls back to the *llama-2* format when a model has no
template; we fall back to ChatML instead, which most small instruct models understand.

We render and tokenize the prompt ourselves and hand the tokens to `Llama.create_completion`, so
the prompt that is counted for budgeting is exactly the prompt that is evaluated.

Two llama.cpp objects per model: a vocabulary-only one (tokenizer + metadata, ~0.1 s to open even
for multi-GB files, used for counting) and the full model, loaded on the first generation or by
`load()`. Generations take a lock, so two never interleave on one llama context; starting a new one
cancels the one in flight (the sidebar's "a new ticket cancels the generation in flight").
"""

from __future__ import annotations

import logging
import os
import platform
import subprocess
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict, runtime_checkable

from common.errors import ModelError, ModelLoadError
from models.cpu_load import MACHINE
from models.locate import resolve_llm

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)

FinishReason = Literal["stop", "length", "cancelled"]


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class ContextOverflowError(ModelError):
    """The prompt plus the requested answer length do not fit the model's context window."""


class ChatStream(Iterator[str]):
    """Text pieces of one generation; `finish_reason` is set once it ends.

    Closing it (or letting it be garbage-collected) stops the generation and frees the model for
    the next request, so consumers that stop early should `close()` it.
    """

    def __init__(self, pieces: Generator[str, None, FinishReason], cancel: threading.Event | None = None):
        self._pieces = pieces
        self._cancel = cancel or threading.Event()
        self.finish_reason: FinishReason | None = None
        """None while running; "stop" (end of turn or stop sequence), "length" or "cancelled"."""

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> str:
        try:
            return next(self._pieces)
        except StopIteration as stop:
            self.finish_reason = stop.value or "stop"
            raise

    def cancel(self) -> None:
        """Stop at the next token, from any thread."""
        self._cancel.set()

    def close(self) -> None:
        self._pieces.close()
        if self.finish_reason is None:
            self.finish_reason = "cancelled"

    @property
    def cancelled(self) -> bool:
        return self.finish_reason == "cancelled"


@runtime_checkable
class LLM(Protocol):
    """What answering and drafting need from a language model."""

    @property
    def n_ctx(self) -> int:
        """Context window in tokens: prompt plus generated tokens must fit in it."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` as it would be tokenized inside a prompt."""
        ...

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens of the whole prompt, chat template included."""
        ...

    def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
        temperature: float | None = None,
    ) -> ChatStream:
        """Generate a reply to `messages`, piece by piece; setting `cancel` ends it within a token."""
        ...


PREFILL_SLICE = 256
"""Prompt tokens evaluated between two checks of the cancel flag (~0.35 s on two CPU cores; bigger
slices evaluate no faster, smaller ones up to 7% slower)."""


def physical_cores() -> int:
    """Physical CPU cores available to this process (llama.cpp gains nothing from SMT siblings)."""
    logical = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    cores = 0
    try:
        if platform.system() == "Linux":
            allowed = os.sched_getaffinity(0)
            seen: set[tuple[str, str]] = set()
            cpu, package = -1, "0"
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                key, _, value = (part.strip() for part in line.partition(":"))
                if key == "processor":
                    cpu = int(value)
                elif key == "physical id":
                    package = value
                elif key == "core id" and cpu in allowed:
                    seen.add((package, value))
            cores = len(seen)
        elif platform.system() == "Darwin":
            cmd = ["sysctl", "-n", "hw.physicalcpu"]
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=2, check=False)
            cores = int(out.stdout.strip() or 0)
    except (OSError, ValueError, subprocess.SubprocessError):
        cores = 0
    if cores <= 0:
        # Unknown layout (Windows, containers without core ids): assume 2-way SMT on bigger machines.
        cores = logical // 2 if logical >= 4 else logical
    return max(1, min(cores, logical))


# ggml's current log levels (ggml.h: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5). llama-cpp-python's
# own callback still maps the older numbering, so with verbose=False it prints every WARN (e.g. the
# vocab-only "n_ctx_seq > n_ctx_train" line) to stderr. Its messages are about llama.cpp internals the
# agent can't act on, so they go to our log at DEBUG; real failures surface as exceptions.
_GGML_TO_LOGGING = {1: logging.DEBUG, 2: logging.DEBUG, 3: logging.DEBUG, 4: logging.INFO}
_llama_log = logging.getLogger("models.llm.llama_cpp")
_log_bridge: Any = None


def _route_llama_logs() -> None:
    global _log_bridge
    if _log_bridge is not None:
        return
    import ctypes

    import llama_cpp

    last = [logging.DEBUG]

    @llama_cpp.llama_log_callback
    def bridge(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
        last[0] = last[0] if level == 5 else _GGML_TO_LOGGING.get(level, logging.DEBUG)
        if _llama_log.isEnabledFor(last[0]):
            _llama_log.log(last[0], "%s", text.decode("utf-8", "replace").rstrip())

    llama_cpp.llama_log_set(bridge, ctypes.c_void_p(0))
    _log_bridge = bridge  # ctypes callbacks must stay referenced while registered


class LocalLLM:
    """A GGUF model run in-process by llama-cpp-python. Nothing is loaded until it is needed.

    Args:
        path: The .gguf file; None = `models.locate.resolve_llm()` (resolved on first use, so a
            missing model surfaces as `ModelLoadError` where it is used, not at construction).
        n_ctx: Requested context window; capped at the model's training context.
        threads: CPU threads; None or 0 = physical cores.
        temperature: Default sampling temperature (0 = greedy).
        busy_timeout: How long a new request waits for a cancelled one to let go of the model.
        cpu_copy: Run a small model whose quantization is slow on CPUs (Q4_1, Q5_0, Q5_1) from a
            cached Q8_0 copy, about twice as fast (see `models.cpu_copy`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        n_ctx: int = 4096,
        threads: int | None = None,
        *,
        temperature: float = 0.2,
        busy_timeout: float = 30.0,
        verbose: bool = False,
        cpu_copy: bool = True,
    ) -> None:
        self._choice = path
        self._path: Path | None = None
        self._requested_ctx = n_ctx
        self.threads = threads or physical_cores()
        self.temperature = temperature
        self._busy_timeout = busy_timeout
        self._verbose = verbose
        self._cpu_copy = cpu_copy
        self.loaded_path: Path | None = None
        """The file the full model was loaded from: `path` or its CPU-friendly copy."""
        self._vocab: Llama | None = None
        self._model: Llama | None = None
        self._formatter: Any = None
        self._load_lock = threading.Lock()
        # A plain Lock, not an RLock: a generation's lock may be released by whichever thread
        # closes (or garbage-collects) its stream.
        self._generate_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._inflight: threading.Event | None = None
        self._running_threads = self.threads
        """The thread count llama.cpp runs with now (fewer than `threads` while the CPU is busy)."""

    # -- loading ---------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = resolve_llm(self._choice)
        return self._path

    def _open(self, path: Path | None = None, **kwargs: Any) -> Llama:
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # a broken install must not break retrieval
            raise ModelLoadError(f"llama-cpp-python is not installed or broken: {exc}") from exc
        path = path or self.path
        if not self._verbose:
            _route_llama_logs()
        try:
            return Llama(model_path=str(path), verbose=self._verbose, **kwargs)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadError(f"Could not load {path}: {exc}. Is it a complete GGUF file?") from exc

    def _vocabulary(self) -> Llama:
        if self._vocab is None:
            with self._load_lock:
                if self._vocab is None:
                    # n_ctx must be small but non-zero: a vocab-only model still gets a context.
                    self._vocab = self._open(vocab_only=True, n_ctx=32, n_batch=32)
        return self._vocab

    def load(self) -> None:
        """Load the full model now (warm-up); later calls are no-ops."""
        self._full_model()

    def _full_model(self) -> Llama:
        if self._model is None:
            n_ctx = self.n_ctx  # both read the vocabulary, which takes the load lock: not inside it
            file_type = self.file_type
            with self._load_lock:
                if self._model is None:
                    path = self._file_to_load(file_type)
                    self._model = self._open(
                        path, n_ctx=n_ctx, n_threads=self.threads, n_threads_batch=self.threads
                    )
                    self.loaded_path = path
                    self._running_threads = self.threads
                    MACHINE.start()
        return self._model

    def _fit_threads(self, model: Llama) -> None:
        """Use only the cores other programs leave free (see `models.cpu_load`): llama.cpp's threads
        stall at every barrier when one of them shares a core with a busy program."""
        threads = MACHINE.free_cores(self.threads)
        if threads != self._running_threads:
            import llama_cpp

            llama_cpp.llama_set_n_threads(model._ctx.ctx, threads, threads)
            self._running_threads = threads
            log.debug("llama.cpp now runs %d thread(s)", threads)

    def _file_to_load(self, file_type: int | None) -> Path:
        if not self._cpu_copy:
            return self.path
        from models.cpu_copy import cpu_friendly

        if not self._verbose:
            _route_llama_logs()  # the quantizer reports every tensor through llama.cpp's log
        return cpu_friendly(self.path, file_type, self.threads)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def close(self) -> None:
        """Free the model (after cancelling and waiting for any generation)."""
        self.cancel_current()
        with self._generate_lock, self._load_lock:
            for model in (self._model, self._vocab):
                if model is not None:
                    model.close()
            self._model = self._vocab = None
            self._formatter = None
            self.loaded_path = None

    # -- metadata and counting -------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self._vocabulary().metadata)

    @property
    def file_type(self) -> int | None:
        """llama.h `llama_ftype` of the file (its quantization), if the file says."""
        try:
            return int(self._vocabulary().metadata.get("general.file_type", ""))
        except ValueError:
            return None

    @property
    def n_ctx_train(self) -> int | None:
        meta = self._vocabulary().metadata
        arch = meta.get("general.architecture", "")
        try:
            return int(meta[f"{arch}.context_length"])
        except (KeyError, ValueError):
            return None

    @property
    def n_ctx(self) -> int:
        train = self.n_ctx_train
        return min(self._requested_ctx, train) if train else self._requested_ctx

    @property
    def has_chat_template(self) -> bool:
        return bool(self._vocabulary().metadata.get("tokenizer.chat_template"))

    def _chat_formatter(self) -> Any:
        if self._formatter is None:
            from llama_cpp import llama_chat_format

            vocab = self._vocabulary()
            template = vocab.metadata.get("tokenizer.chat_template")
            if template:
                eos_id, bos_id = vocab.token_eos(), vocab.token_bos()
                # The same construction as Llama.__init__ uses for the metadata template.
                self._formatter = llama_chat_format.Jinja2ChatFormatter(
                    template=template,
                    eos_token=vocab._model.token_get_text(eos_id) if eos_id != -1 else "",
                    bos_token=vocab._model.token_get_text(bos_id) if bos_id != -1 else "",
                    stop_token_ids=[eos_id],
                )
            else:
                log.info("%s has no chat template; using ChatML", self.path.name)
                self._formatter = llama_chat_format.format_chatml
        return self._formatter

    def format_chat(self, messages: Sequence[ChatMessage]) -> str:
        """The prompt text the model sees for `messages` (generation prompt included)."""
        return self._format(messages).prompt

    def _format(self, messages: Sequence[ChatMessage]) -> Any:
        formatter = self._chat_formatter()  # may raise ModelLoadError, which must stay one
        try:
            return formatter(messages=[dict(m) for m in messages])
        except Exception as exc:  # Jinja errors from a model's own template; nothing we can fix
            raise ModelError(f"The chat template of {self.path.name} failed: {exc}") from exc

    def _prompt_tokens(self, formatted: Any) -> list[int]:
        # Special tokens are parsed, as create_chat_completion does: the template's markers must
        # become control tokens. Untrusted text is neutralised before it gets here (prompting.py).
        return self._vocabulary().tokenize(
            formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
        )

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return len(self._vocabulary().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return len(self._prompt_tokens(self._format(messages)))

    def fits(self, messages: Sequence[ChatMessage], max_tokens: int) -> bool:
        """True when the prompt plus `max_tokens` generated tokens fit the context window."""
        return self.count_chat_tokens(messages) + max_tokens <= self.n_ctx

    # -- generation ------------------------------------------------------------------------------

    def cancel_current(self) -> None:
        """Cancel the generation in flight, if any (it stops within one token)."""
        with self._state_lock:
            if self._inflight is not None:
                self._inflight.set()

    def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
        temperature: float | None = None,
    ) -> ChatStream:
        """Stream a reply to `messages`. Calling this cancels the generation in flight.

        Args:
            messages: The chat, system message first.
            max_tokens: At most this many generated tokens; the prompt plus this must fit `n_ctx`
                (else `ContextOverflowError`: budget the prompt first, see `assist.prompting`).
            stop: Extra stop strings (the template's end-of-turn marker is always one).
            cancel: Set from any thread to stop within one token.
            temperature: None = the instance default.

        Returns:
            A `ChatStream` of text pieces. Nothing runs until it is first iterated.
        """
        own = self._preempt()
        temp = self.temperature if temperature is None else temperature
        pieces = self._generate(list(messages), max_tokens, list(stop), cancel, own, temp)
        return ChatStream(pieces, own)

    def prefill(self, messages: Sequence[ChatMessage]) -> int:
        """Evaluate the prompt of `messages` into the KV cache; returns how many tokens it holds.

        A later prompt that starts the same way (the same instructions) skips that part, so at
        startup this takes the shared system prompt off the first ticket's wait. A generation
        requested meanwhile pre-empts it, like any other request.
        """
        own = self._preempt()
        with self._turn(own):
            tokens = self._prompt_tokens(self._format(messages))
            if len(tokens) >= self.n_ctx:
                return 0
            model = self._full_model()
            self._fit_threads(model)
            self._prefill(model, tokens, own.is_set)
            return int(model.n_tokens)

    def _preempt(self) -> threading.Event:
        """Become the request in flight, cancelling the one before; returns our cancel flag."""
        own = threading.Event()
        with self._state_lock:
            if self._inflight is not None:
                self._inflight.set()
            self._inflight = own
        return own

    @contextmanager
    def _turn(self, own: threading.Event) -> Iterator[None]:
        """Hold the model for one request: wait for a pre-empted one to notice its cancel flag and
        let go of the llama context, and stop being the request in flight afterwards."""
        if not self._generate_lock.acquire(timeout=self._busy_timeout):
            raise ModelError("The model is still busy with an earlier request; try again.")
        try:
            yield
        finally:
            with self._state_lock:
                if self._inflight is own:
                    self._inflight = None
            self._generate_lock.release()

    @staticmethod
    def _prefill(model: Any, tokens: list[int], cancelled: Callable[[], bool]) -> None:
        cached = model.input_ids[: model.n_tokens].tolist()
        reuse = 0
        for a, b in zip(cached, tokens, strict=False):
            if a != b:
                break
            reuse += 1
        model.n_tokens = reuse  # eval() drops the KV cache past this point
        for start in range(reuse, len(tokens), PREFILL_SLICE):
            if cancelled():
                return
            model.eval(tokens[start : start + PREFILL_SLICE])

    def _generate(
        self,
        messages: list[ChatMessage],
        max_tokens: int,
        stop: list[str],
        cancel: threading.Event | None,
        own: threading.Event,
        temperature: float,
    ) -> Generator[str, None, FinishReason]:
        def cancelled() -> bool:
            return own.is_set() or (cancel is not None and cancel.is_set())

        with self._turn(own):
            if cancelled():
                return "cancelled"
            formatted = self._format(messages)
            tokens = self._prompt_tokens(formatted)
            if len(tokens) + max_tokens > self.n_ctx:
                raise ContextOverflowError(
                    f"The prompt ({len(tokens)} tokens) plus {max_tokens} answer tokens exceed the "
                    f"{self.n_ctx}-token context window."
                )
            model = self._full_model()
            self._fit_threads(model)
            from llama_cpp import StoppingCriteriaList

            # Prompt evaluation is most of the wait on a CPU and one llama.cpp eval can't be
            # interrupted, so evaluate all but the last prompt token here, in slices, checking the
            # cancel flag between them: a ticket switch then lands within one slice (~0.35 s), not
            # after the whole prompt. create_completion finds that prefix in the KV cache and
            # decodes only the last token (llama-cpp-python reuses the longest common prefix).
            self._prefill(model, tokens[:-1], cancelled)
            if cancelled():
                return "cancelled"
            criteria = StoppingCriteriaList([lambda _ids, _logits: cancelled()])
            if formatted.stopping_criteria is not None:
                criteria.extend(formatted.stopping_criteria)
            template_stop = formatted.stop or []
            stops = stop + ([template_stop] if isinstance(template_stop, str) else list(template_stop))
            try:
                stream = model.create_completion(
                    tokens,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    # create_chat_completion's defaults; the penalty keeps small models from looping.
                    top_p=0.95,
                    top_k=40,
                    min_p=0.05,
                    repeat_penalty=1.1,
                    stop=[s for s in stops if s],
                    stopping_criteria=criteria,
                    stream=True,
                )
                reason: FinishReason = "length"
                try:
                    while True:
                        # Checked before asking for the next token, so a cancel set between two
                        # pieces costs no further decode at all.
                        if cancelled():
                            return "cancelled"
                        chunk = next(stream, None)
                        if chunk is None:
                            break
                        choice = chunk["choices"][0]
                        if cancelled():
                            return "cancelled"
                        if choice["text"]:
                            yield choice["text"]
                        if choice.get("finish_reason") == "stop":
                            reason = "stop"
                finally:
                    stream.close()
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"Generation failed: {exc}") from exc
            return "cancelled" if cancelled() else reason
