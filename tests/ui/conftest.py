"""Sidebar fixtures: the demo index (built once per session with the sidebar's own builder), the
real engine on it, and a window + controller per test. Every test must leave no worker running."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assist import Engine, Settings
from assist.config import HelpdeskSettings, LLMSettings
from assist.helpdesk import make_provider

# Short generations keep the suite fast on two shared cores; the model and the code paths are the
# real ones (the tests check mechanics, not prose).
TEST_LLM = LLMSettings(max_answer_tokens=32, max_draft_tokens=32, n_ctx=1024)
WAIT = 120_000  # ms; generous: the CI machine is shared


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ui import demo_index as builder

    db = tmp_path_factory.mktemp("demo-index") / "index"
    builder.build(db)
    return db


@pytest.fixture(scope="session")
def engine(demo_index: Path) -> Iterator[Engine]:
    """The real engine (embedder, index, default GGUF), warmed once."""
    eng = Engine(Settings(llm=TEST_LLM), db=demo_index)
    eng.warm_up()
    assert eng.llm_error is None, eng.llm_error
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def extractive_engine(demo_index: Path) -> Iterator[Engine]:
    """The real engine without the LLM: instant (extractive) answers and drafts."""
    eng = Engine(Settings(llm=TEST_LLM), db=demo_index, use_llm=False)
    eng.search_text("warm up", k=1)
    yield eng
    eng.close()


@pytest.fixture
def demo_provider():
    return make_provider(HelpdeskSettings(kind="demo"))


@pytest.fixture(autouse=True)
def _no_dangling_threads() -> Iterator[None]:
    """Fail a test that leaves worker threads (or the relay's thread) running (napari's
    `_dangling_qthreads`, for our pools)."""
    from ui.workers import live_pools

    before = {t.ident for t in threading.enumerate()}
    yield
    busy = [p for p in live_pools() if p.active_threads()]
    assert not busy, f"{len(busy)} worker pool(s) still running threads after the test"
    left = [t for t in threading.enumerate() if t.ident not in before and t.name.startswith("assist-")]
    assert not left, f"threads left running: {[t.name for t in left]}"


@pytest.fixture
def make_sidebar(qtbot) -> Iterator[Callable[..., tuple]]:
    """`make_sidebar(engine, provider)` → (window, controller), shown and started."""
    from ui.sidebar.controller import SidebarController
    from ui.sidebar.window import SidebarWindow
    from ui.workers import WorkerPool

    made: list = []

    def make(engine: Engine, provider, *, start: bool = True, width: int = 400):
        pool = WorkerPool()
        window = SidebarWindow(None)
        qtbot.add_widget(window)
        controller = SidebarController(engine, provider, pool)
        window.connect_controller(controller)
        window.resize(width, 900)
        window.show()
        made.append(controller)
        if start:
            controller.start()
        return window, controller

    yield make
    for controller in made:
        assert controller.shutdown(30_000)
