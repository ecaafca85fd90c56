"""Retrieval evaluation against labelled tickets (`assist eval`).

Tickets are JSONL `{"id","subject","body","answers","also_ok"}` where `answers` is an article
path as in the export's `manifest.jsonl` (null when the KB does not cover the ticket). A hit is
mapped to its article through the manifest by the file's path inside its export.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assist.query import build_query
from assist.retrieval import Retriever


@dataclass(slots=True)
class EvalReport:
    tickets: int = 0
    answerable: int = 0
    recall_at_1: float = 0.0
    recall_at_5: float = 0.0
    mrr_at_10: float = 0.0
    abstained_unanswerable: int = 0
    unanswerable: int = 0
    false_abstentions: int = 0
    per_ticket: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "answerable": self.answerable,
            "recall@1": round(self.recall_at_1, 4),
            "recall@5": round(self.recall_at_5, 4),
            "mrr@10": round(self.mrr_at_10, 4),
            "abstentions": {
                "unanswerable_abstained": self.abstained_unanswerable,
                "unanswerable": self.unanswerable,
                "false_abstentions": self.false_abstentions,
            },
            "per_ticket": self.per_ticket,
        }


class ArticleMap:
    """Maps (export path of a hit) → article id, using the manifest's `file` column by suffix."""

    def __init__(self, manifest: Path) -> None:
        self._by_suffix: dict[str, str] = {}
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            parts = row["file"].split("/")
            # Register every suffix so a zip member path (SUPKB/x.html) finds confluence/SUPKB/x.html.
            for i in range(len(parts)):
                self._by_suffix.setdefault("/".join(parts[i:]), row["article"])

    def article(self, path: str) -> str | None:
        return self._by_suffix.get(path)


def find_manifest(tickets: Path) -> Path | None:
    for candidate in (
        tickets.parent / "manifest.jsonl",
        tickets.parent.parent / "exports" / "kb" / "manifest.jsonl",
        tickets.parent / "kb" / "manifest.jsonl",
    ):
        if candidate.exists():
            return candidate
    return None


def evaluate(retriever: Retriever, tickets_path: Path, manifest: Path, k: int = 10) -> EvalReport:
    articles = ArticleMap(manifest)
    report = EvalReport()
    r1 = r5 = rr = 0.0
    for line in tickets_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        ticket = json.loads(line)
        report.tickets += 1
        result = retriever.search(build_query(ticket.get("subject", ""), ticket.get("body", "")), k=k)
        ranked: list[str | None] = []
        for hit in result.hits:
            art = articles.article(hit.path)
            if art not in ranked or art is None:
                ranked.append(art)
        gold = ticket.get("answers")
        row: dict[str, Any] = {
            "id": ticket.get("id"),
            "confidence": result.confidence,
            "abstained": result.abstained,
            "top": ranked[:3],
        }
        if gold is None:
            report.unanswerable += 1
            report.abstained_unanswerable += int(result.abstained)
            row["rank"] = None
        else:
            report.answerable += 1
            good = {gold, *(ticket.get("also_ok") or [])}
            rank = next((i + 1 for i, a in enumerate(ranked[:k]) if a in good), None)
            row["rank"] = rank
            if rank == 1:
                r1 += 1
            if rank is not None and rank <= 5:
                r5 += 1
            if rank is not None:
                rr += 1.0 / rank
            report.false_abstentions += int(result.abstained)
        report.per_ticket.append(row)
    if report.answerable:
        report.recall_at_1 = r1 / report.answerable
        report.recall_at_5 = r5 / report.answerable
        report.mrr_at_10 = rr / report.answerable
    return report
