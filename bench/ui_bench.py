"""Sidebar benchmark: start → window shown; ticket switch → first card; → first answer token (warm).

    .venv/bin/python bench/ui_bench.py [--switches 20] [--starts 5] [--db DIR] [--json out.json]

- start → window shown: `assist-sidebar --quit-after-shown` as a fresh process, timed from spawn
  to the line it prints once the window is on screen (interpreter start and imports included).
- ticket switch: in one process with the real engine on the demo index (built first if missing)
  and the default models, warmed up; the demo tickets are cycled through the picker path
  (`controller.pick`: tracker debounce, helpdesk fetch in a worker, search in a worker). Timed
  from the pick to the cards being built, and to the first streamed answer token (tickets the KB
  doesn't cover answer at once without the model; they count for cards only). The next switch
  starts right after the first token, so every switch also cancels a generation in flight.
- The longest gap in the GUI event loop during the switches is reported too (a 5 ms timer).

Runs offscreen unless a display is set. Figures on a shared machine vary with its load; the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))


def _p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_start(db: Path, runs: int) -> dict[str, Any]:
    env = {**os.environ}
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    walls: list[float] = []
    inner: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "ui.app", "--demo", "--db", str(db), "--quit-after-shown"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        walls.append(time.perf_counter() - started)
        line = next(x for x in proc.stdout.splitlines() if x.startswith("{"))
        inner.append(json.loads(line)["shown_s"])
    return {
        "start_to_shown_s_p50": round(_p50(walls), 3),
        "main_to_shown_s_p50": round(_p50(inner), 3),
        "runs": runs,
    }


def bench_switches(db: Path, switches: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from assist import Engine
    from assist.config import HelpdeskSettings
    from assist.helpdesk import make_provider
    from ui.sidebar.controller import SidebarController
    from ui.sidebar.window import SidebarWindow
    from ui.workers import WorkerPool

    app = QApplication.instance() or QApplication([])
    engine = Engine(db=db)
    provider = make_provider(HelpdeskSettings(kind="demo"))
    pool = WorkerPool()
    window = SidebarWindow(None)
    controller = SidebarController(engine, provider, pool)
    window.connect_controller(controller)
    window.resize(400, 900)
    window.show()

    # Sleep in the event loop between events, as app.exec() does: polling processEvents() in a
    # busy loop would take a core from the model and slow the very thing being measured.
    wake = QTimer()
    wake.setInterval(50)  # to check the deadline even when nothing happens
    wake.start()

    def wait_for(predicate, timeout_s: float = 300.0) -> None:
        loop_deadline = time.perf_counter() + timeout_s
        flags = QEventLoop.ProcessEventsFlag.AllEvents | QEventLoop.ProcessEventsFlag.WaitForMoreEvents
        while not predicate():
            app.processEvents(flags)
            if time.perf_counter() > loop_deadline:
                raise TimeoutError("the sidebar did not get there in time")

    states: list[str] = []
    controller.models_changed.connect(states.append)
    controller.start()
    wait_for(lambda: controller.index_ready and states and states[-1] in ("ready", "extractive"))

    ids = [t.id for t in provider.my_open_tickets()]
    marks: dict[str, float] = {}
    controller.results_ready.connect(lambda *_: marks.setdefault("cards", time.perf_counter()))
    controller.answer_token.connect(lambda *_: marks.setdefault("token", time.perf_counter()))
    controller.answer_done.connect(lambda *_: marks.setdefault("answer", time.perf_counter()))

    clock = QElapsedTimer()
    gaps = {"max": 0}

    def tick() -> None:
        gaps["max"] = max(gaps["max"], clock.restart())

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)

    cards: list[float] = []
    tokens: list[float] = []
    abstained = 0
    for i in range(switches + 1):  # the first switch warms caches and is not counted
        ticket_id = ids[i % len(ids)]
        marks.clear()
        if i == 1:
            clock.start()
            timer.start()
        started = time.perf_counter()
        controller.pick(ticket_id)
        wait_for(lambda: "token" in marks or "answer" in marks)
        if i == 0:
            continue
        cards.append(marks["cards"] - started)
        if "token" in marks and marks["token"] <= marks.get("answer", float("inf")):
            tokens.append(marks["token"] - started)
        else:
            abstained += 1
    timer.stop()
    controller.shutdown()
    window.close()
    engine.close()
    return {
        "switches": switches,
        "switch_to_first_card_ms_p50": round(_p50(cards) * 1000),
        "switch_to_first_card_ms_max": round(max(cards) * 1000),
        "switch_to_first_token_ms_p50": round(_p50(tokens) * 1000),
        "switch_to_first_token_ms_max": round(max(tokens) * 1000) if tokens else None,
        "switches_with_tokens": len(tokens),
        "answered_without_model": abstained,
        "max_event_loop_gap_ms": gaps["max"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--switches", type=int, default=20)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--db", type=Path, help="index folder (default: the demo index, built if missing)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    from ui import demo_index

    db = args.db or demo_index.demo_index_dir()
    if args.db is None and demo_index.is_stale(db):
        print(f"building the demo index in {db} …", file=sys.stderr)
        demo_index.build(db)
    figures: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    figures.update(bench_start(db, args.starts))
    figures.update(bench_switches(db, args.switches))
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    rows = [
        ("start → window shown (process spawn, p50)", f"{figures['start_to_shown_s_p50']:.2f} s"),
        ("  of which main() → shown (p50)", f"{figures['main_to_shown_s_p50']:.2f} s"),
        (
            f"ticket switch → first card (p50 / max, {args.switches} switches)",
            f"{figures['switch_to_first_card_ms_p50']} / {figures['switch_to_first_card_ms_max']} ms",
        ),
        (
            f"ticket switch → first answer token, warm (p50 / max, n={figures['switches_with_tokens']})",
            f"{figures['switch_to_first_token_ms_p50']} / {figures['switch_to_first_token_ms_max']} ms",
        ),
        ("longest GUI event-loop gap during the switches", f"{figures['max_event_loop_gap_ms']} ms"),
        ("load average (1/5/15 min) before", " ".join(map(str, figures["load_average"]))),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
