"""Scores the labelled conversations of eval/conversations.jsonl with the frustration signal and
prints what the thresholds in `Frustration.level` (elevated ≥ 0.35, high ≥ 0.6) make of them.

    .venv/bin/python eval/calibrate_frustration.py [--file F] [--cues TOML] [--embedder] [--verbose]

Labels map to levels: calm → "calm", annoyed → "elevated", furious → "high". Weights and
thresholds are tuned on the "tune" split only; the "holdout" split (every third conversation of
each label, chosen before any tuning) says whether they generalise. The threshold search at the
end also looks at the tune split only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assist.escalation.frustration import embedder_similarity, load_cues, score_frustration
from assist.helpdesk._http import parse_time
from assist.helpdesk.demo import map_ticket

LABELS = ("calm", "annoyed", "furious")
ELEVATED, HIGH = 0.35, 0.6


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict(score: float, elevated: float = ELEVATED, high: float = HIGH) -> str:
    return "furious" if score >= high else "annoyed" if score >= elevated else "calm"


def summary(scores: Sequence[float]) -> str:
    if not scores:
        return "n=0"
    return (
        f"n={len(scores):2d}  min {min(scores):.2f}  median {statistics.median(scores):.2f}  "
        f"mean {statistics.mean(scores):.2f}  max {max(scores):.2f}"
    )


def confusion(rows: Sequence[tuple[str, float]], elevated: float, high: float) -> tuple[float, str]:
    table = {(t, p): 0 for t in LABELS for p in LABELS}
    for label, score in rows:
        table[label, predict(score, elevated, high)] += 1
    correct = sum(table[x, x] for x in LABELS)
    lines = ["            predicted: " + "  ".join(f"{p:>7}" for p in LABELS)]
    for t in LABELS:
        lines.append(f"  {t:>7}             " + "  ".join(f"{table[t, p]:7d}" for p in LABELS))
    return correct / max(1, len(rows)), "\n".join(lines)


def best_thresholds(rows: Sequence[tuple[str, float]]) -> tuple[float, float, float]:
    """The (elevated, high) pair, on a 0.05 grid, with the best accuracy on `rows`; ties go to
    the pair closest to the defaults."""
    grid = [round(0.05 * i, 2) for i in range(2, 19)]
    best = (-1.0, 0.0, 0.0, 0.0)
    for lo in grid:
        for hi in grid:
            if hi <= lo:
                continue
            acc = sum(predict(s, lo, hi) == t for t, s in rows) / len(rows)
            closeness = -abs(lo - ELEVATED) - abs(hi - HIGH)
            if (acc, closeness) > (best[0], best[3]):
                best = (acc, lo, hi, closeness)
    return best[1], best[2], best[0]


def main(argv: Sequence[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", type=Path, default=here / "conversations.jsonl")
    ap.add_argument("--cues", type=Path, default=None, help="another frustration.toml to try")
    ap.add_argument("--embedder", action="store_true", help="restatements by MiniLM, not TF-IDF")
    ap.add_argument("--verbose", "-v", action="store_true", help="every conversation with its reasons")
    args = ap.parse_args(argv)

    cues = load_cues(args.cues)
    similarity = None
    if args.embedder:
        from models.embedder import make_embedder

        similarity = embedder_similarity(make_embedder())
    scored: dict[str, list[tuple[str, float]]] = {"tune": [], "holdout": [], "blind": []}
    for row in load(args.file):
        now = parse_time(row["now"]) or datetime.fromisoformat(row["now"])
        mood = score_frustration(map_ticket(row), now, similarity=similarity, cues=cues)
        scored[row.get("split", "blind")].append((row["label"], mood.score))
        if args.verbose:
            mark = "" if predict(mood.score) == row["label"] else "  <-- " + predict(mood.score)
            split = row.get("split", "blind")
            print(f"{row['id']} {split:7} {row['lang']} {row['label']:7} {mood.score:.2f}{mark}")
            print("    trend " + " → ".join(f"{p.score:.2f}" for p in mood.trend))
            for r in mood.reasons:
                print(f"    {r.weight:.2f} {r.code:18} {r.text}  [{r.message_id}]")
    if args.verbose:
        print()

    scored = {k: v for k, v in scored.items() if v}  # a file without splits is a blind set
    everything = [row for rows in scored.values() for row in rows]
    for split, rows in (*scored.items(), ("all", everything)):
        print(f"== {split} ({len(rows)} conversations)")
        means = {}
        for label in LABELS:
            values = [s for t, s in rows if t == label]
            means[label] = statistics.mean(values) if values else float("nan")
            print(f"  {label:>7}: {summary(values)}")
        ordered = means["calm"] < means["annoyed"] < means["furious"]
        furious = [s for t, s in rows if t == "furious"]
        calm = [s for t, s in rows if t == "calm"]
        separated = bool(furious and calm) and min(furious) > max(calm)
        print(
            f"  ordering calm < annoyed < furious (means): {'yes' if ordered else 'NO'}; "
            f"every furious above every calm: {'yes' if separated else 'NO'}"
        )
        acc, table = confusion(rows, ELEVATED, HIGH)
        print(f"  thresholds elevated ≥ {ELEVATED}, high ≥ {HIGH}: accuracy {acc:.0%}")
        print(table)
        alerts = [(t, s) for t, s in rows if s >= HIGH]
        hit = sum(t == "furious" for t, _ in alerts)
        print(
            f"  alert at ≥ {HIGH}: {len(alerts)} fired, {hit} of them furious, "
            f"{hit}/{len(furious)} furious caught, {sum(t == 'calm' for t, _ in alerts)} calm alerted"
        )
        print()

    if "tune" not in scored:
        return 0
    lo, hi, acc = best_thresholds(scored["tune"])
    hold_acc, _ = confusion(scored.get("holdout", []), lo, hi)
    print(
        f"== threshold search on tune: elevated ≥ {lo}, high ≥ {hi} → tune {acc:.0%}, holdout {hold_acc:.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
