"""Queue-watch benchmark: a queue of 200 open tickets on a real Request Tracker 5 (Debian's
packages, SQLite, 127.0.0.1), watched through `QueueWatch` with the real RT provider.

Measures, for a cold refresh (every ticket read), an incremental one after 10 tickets changed, and
an idle one: helpdesk API calls made, wall time, and the signals' own cost per ticket (frustration,
waiting, SLA, repeat contacts, rules; no helpdesk calls). Also how many refreshes a cold start
needs under the default RT cap (60 calls/min, a quarter for the watch).

    python bench/queue_bench.py [--tickets 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from common.privacy import enforce_offline  # noqa: E402

enforce_offline()

_CALM = [
    "Hello, the hub shows a red light since this morning. What should I check?",
    "Hi, how do I add a second bulb to the living room scene?",
    "Good morning, my invoice shows the wrong address. Could you change it please?",
    "Hi there, the app asks me to update the firmware but the update stops at 80%.",
]
_ANGRY = [
    "This is the THIRD time I write about this. The bulbs still flicker!!! I want to speak to a manager.",
    "Still no answer after two days. If this is not fixed today I will cancel and ask for a refund.",
    "Ich warte seit Tagen auf eine Antwort. Ich möchte mit Ihrem Vorgesetzten sprechen.",
]


class Seeder:
    def __init__(self, server) -> None:
        self.server = server
        self.http = httpx.Client(
            base_url=f"{server.url}/REST/2.0", headers={"Authorization": f"token {server.token}"}, timeout=60
        )
        self.n = 0

    def email_in(self, sender: str, subject: str, body: str) -> None:
        self.n += 1
        message = (
            f"From: {sender}\nTo: rt@example.test\nSubject: {subject}\n"
            f"Message-ID: <bench{self.n}-{time.time()}@example.com>\nContent-Type: text/plain\n\n{body}\n"
        )
        r = httpx.post(
            f"{self.server.url}/REST/1.0/NoAuth/mail-gateway",
            data={"queue": "General", "action": "correspond", "message": message},
            timeout=60,
        )
        r.raise_for_status()

    def ids(self, query: str) -> list[str]:
        out, page = [], 1
        while True:
            body = self.http.get("/tickets", params={"query": query, "per_page": 100, "page": page}).json()
            out += [str(i["id"]) for i in body.get("items", [])]
            if page >= int(body.get("pages") or 1):
                return out
            page += 1


def seed(server, count: int, rng: random.Random) -> list[str]:
    s = Seeder(server)
    started = time.monotonic()
    for i in range(count):
        requester = f"customer{rng.randrange(count * 2 // 3)}@example.com"  # some write twice or more
        angry = rng.random() < 0.15
        body = rng.choice(_ANGRY if angry else _CALM)
        s.email_in(requester, f"Bench ticket {i}: {body[:40]}", body)
    ids = s.ids("Subject LIKE 'Bench ticket'")
    me = s.http.get("/user/root").json().get("Name", "root")
    for n, tid in enumerate(ids):
        s.http.put(f"/ticket/{tid}", json={"Owner": me, "Status": "open"})
        if n % 2 == 0:  # half have an agent reply, so waits differ
            s.http.post(
                f"/ticket/{tid}/correspond",
                json={"Content": "Thanks, looking into it.", "ContentType": "text/plain"},
            )
    print(f"seeded {len(ids)} tickets in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return ids


def timed_refresh(watch) -> dict:
    started = time.perf_counter()
    refresh = watch.refresh()
    return {
        "rows": len(refresh.rows),
        "calls": refresh.calls,
        "seconds": round(time.perf_counter() - started, 2),
        "deferred": len(refresh.deferred),
        "alerts": len(refresh.new_alerts),
        "problem": refresh.problem,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import rt_server as rts

    from assist.config import HelpdeskSettings
    from assist.escalation.queue import QueueWatch
    from assist.escalation.rules import load_rules
    from assist.escalation.signals import compute_signals
    from assist.helpdesk import make_provider

    rng = random.Random(7)
    server = rts.up(log=lambda m: print(m, file=sys.stderr))
    try:
        seeder = Seeder(server)
        ids = seed(server, args.tickets, rng)
        rules = load_rules()
        # Self-hosted RT reports no budget; a cap high enough that the cold refresh reads all.
        unlimited = HelpdeskSettings(kind="rt", url=server.url, calls_per_minute=100_000)
        provider = make_provider(unlimited, server.token)
        watch = QueueWatch(provider, rules, budget_share=1.0, limit=max(200, args.tickets))
        cold = timed_refresh(watch)
        for tid in ids[:10]:
            seeder.email_in(
                f"customer-{tid}@example.com",
                f"Re: [example.test #{tid}] follow-up",
                "Any news? Still broken.",
            )
        time.sleep(1.1)  # LastUpdated has whole seconds
        incremental = timed_refresh(watch)
        idle = timed_refresh(watch)

        # The signals alone, on the tickets the watch holds (no helpdesk calls).
        tickets = list(watch._tickets.values())
        now = datetime.now(UTC)
        per_ticket = []
        for t in tickets:
            history = watch.history_for(t)
            started = time.perf_counter()
            compute_signals(t, rules, now, history=history)
            per_ticket.append((time.perf_counter() - started) * 1000)

        # The default cap: 60 calls/min, a quarter for the background watch.
        capped = make_provider(HelpdeskSettings(kind="rt", url=server.url), server.token)
        capped_watch = QueueWatch(capped, rules, limit=max(200, args.tickets))
        first_capped = timed_refresh(capped_watch)
        calls_per_ticket = cold["calls"] / max(1, cold["rows"])
        result = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
            "data": f"{len(ids)} open tickets on a real RT 5 (SQLite, 127.0.0.1), "
            f"{len(set(watch._history))} requesters",
            "cold": cold,
            "incremental_after_10_changed": incremental,
            "idle": idle,
            "calls_per_ticket_read": round(calls_per_ticket, 2),
            "signals_ms_per_ticket": {
                "p50": round(statistics.median(per_ticket), 2),
                "p95": round(sorted(per_ticket)[int(0.95 * (len(per_ticket) - 1))], 2),
                "mean": round(statistics.mean(per_ticket), 2),
            },
            "default_cap_first_refresh": first_capped,
            "default_cap_refreshes_to_read_all": round(cold["calls"] / 15 + 0.5),
        }
        provider.close()
        capped.close()
    finally:
        rts.down(server.pid)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
