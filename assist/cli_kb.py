"""`assist search`, `assist ask` and `assist eval`: the knowledge side of the command line.

The JSON shapes are a stable interface others script against:

    assist search "text" --json            {"id","abstained","hits":[{"rank","score","doc_id","title",
                                             "source","path","url","heading","snippet",
                                             "internal","internal_reason"}]}
    assist search --queries T.jsonl --json  one such line per ticket (models load once)
    assist ask "question" --json            {"answer","citations":[{"n","title","path","url"}],
                                             "abstained","draft","hits"}
    assist eval T.jsonl --db DIR            recall@1, recall@5, MRR@10, abstentions
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from common.errors import ConfigError

_SNIPPET_CHARS = 400


def _hit_json(hit: Any, internal: bool | None = None) -> dict[str, Any]:
    """`internal`: the configured `InternalOnly` verdict (default: what the document says)."""
    snippet = hit.snippet
    if len(snippet) > _SNIPPET_CHARS:
        snippet = snippet[:_SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return {
        "rank": hit.rank,
        "score": hit.score,
        "doc_id": hit.doc_id,
        "title": hit.title,
        "source": hit.source,
        "path": hit.path,
        "url": hit.url,
        "heading": hit.heading,
        "snippet": snippet,
        "internal": hit.internal if internal is None else internal,
        "internal_reason": hit.internal_reason,
    }


def _internal_rule(engine: Any):
    """Which hits are internal-only: the configured patterns and the documents' own marks."""
    from assist.drafting import InternalOnly

    return InternalOnly(engine.settings.answer.internal_only)


def _filters(args: argparse.Namespace):
    from assist.retrieval import SearchFilters

    return SearchFilters(
        sources=tuple(args.source or ()), spaces=tuple(args.space or ()), tags=tuple(args.tag or ())
    )


def _engine(args: argparse.Namespace, use_llm: bool = False):
    from assist.config import load_settings
    from assist.engine import Engine

    # --tone is the flag layer over [answer] tone (unless IT locked it); drafts read the setting.
    settings = load_settings(
        args.config,
        overrides={
            "answer.tone": getattr(args, "tone", None),
            "index.server": getattr(args, "server", None),
            "index.collection": getattr(args, "collection", None),
        },
    )
    return Engine(settings, db=args.db, use_llm=use_llm)


def _print_hits(result: Any, is_internal: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if result.abstained:
        console.print(
            f"[yellow]The knowledge base doesn't seem to cover this[/] (confidence {result.confidence:.2f}). "
            "Nearest articles:"
        )
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("#", justify="right", width=3)
    table.add_column("score", justify="right", width=6)
    table.add_column("article", overflow="fold")
    table.add_column("source", width=10)
    for hit in result.hits:
        where = f"[dim]{hit.hierarchy}[/]\n" if hit.hierarchy else ""
        heading = f" › {hit.heading}" if hit.heading else ""
        internal = hit.internal if is_internal is None else is_internal(hit)
        badge = "[bold red]INTERNAL[/] " if internal else ""
        table.add_row(
            str(hit.rank), f"{hit.score:.2f}", f"{where}{badge}[bold]{hit.title}[/]{heading}", hit.source
        )
    console.print(table)


def _cmd_search(args: argparse.Namespace) -> int:
    if not args.text and not args.queries:
        raise ConfigError("Give a search text, or --queries FILE.jsonl.")
    engine = _engine(args)
    filters = _filters(args)
    is_internal = _internal_rule(engine)
    try:
        if args.queries:
            from assist.query import build_query

            for line in Path(args.queries).read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                ticket = json.loads(line)
                query = build_query(ticket.get("subject", ""), ticket.get("body", ""))
                result = engine.retriever.search(query, k=args.k, filters=filters)
                row = {
                    "id": ticket.get("id"),
                    "abstained": result.abstained,
                    "hits": [_hit_json(h, is_internal(h)) for h in result.hits],
                }
                print(json.dumps(row, ensure_ascii=False), flush=True)
            return 0
        result = engine.search_text(args.text, k=args.k, filters=filters)
        if args.json:
            hits = [_hit_json(h, is_internal(h)) for h in result.hits]
            print(json.dumps({"id": None, "abstained": result.abstained, "hits": hits}, ensure_ascii=False))
        else:
            _print_hits(result, is_internal)
        return 0
    finally:
        engine.close()


def _load_ticket_file(path: Path):
    """A ticket as JSON: {"subject","body"} or a demo-helpdesk ticket with "messages"."""
    from assist.helpdesk.demo import map_ticket
    from assist.tickets import Message, Ticket

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON ticket ({exc}).") from exc
    if "messages" in data:
        return map_ticket(data)
    return Ticket(
        id=str(data.get("id", "")),
        subject=str(data.get("subject", "")),
        status="open",
        provider="file",
        messages=(
            Message(id="1", author_name="customer", author_role="customer", body=str(data.get("body", ""))),
        ),
    )


def _cmd_ask(args: argparse.Namespace) -> int:
    from assist.answering import Answer, Token
    from assist.drafting import Draft

    if not args.question and not args.ticket:
        raise ConfigError("Give a question, or --ticket FILE.json.")
    engine = _engine(args, use_llm=not args.no_llm)
    is_internal = _internal_rule(engine)
    cancel = threading.Event()
    stream_to_terminal = not args.json and sys.stdout.isatty()
    try:
        if args.ticket:
            ticket = _load_ticket_file(Path(args.ticket))
            result = engine.search_ticket(ticket, k=args.k, filters=_filters(args))
            subject: Any = ticket
        else:
            ticket = None
            result = engine.search_text(args.question, k=args.k, filters=_filters(args))
            subject = args.question
        if not args.json:
            label = "Nearest articles (low confidence)" if result.abstained else "Articles"
            print(f"{label}:")
            for hit in result.hits[:3]:
                mark = "  (INTERNAL: not for the customer)" if is_internal(hit) else ""
                print(f"  {hit.rank}. {hit.title}  [{hit.source}: {hit.url or hit.path}]{mark}")
            print()
        answer: Answer | None = None
        for event in engine.answer(subject, result, cancel):
            if isinstance(event, Token):
                if stream_to_terminal:
                    print(event.text, end="", flush=True)
            elif isinstance(event, Answer):  # not the per-sentence verdicts
                answer = event
        if stream_to_terminal:
            print()
        draft: Draft | None = None
        if ticket is not None and not args.no_draft:
            for event in engine.draft(ticket, result, None, cancel):
                if isinstance(event, Draft):
                    draft = event
        if args.json:
            out = {
                "answer": answer.text if answer else "",
                "citations": [
                    {"n": c.n, "title": c.title, "path": c.path, "url": c.url}
                    for c in (answer.citations if answer else [])
                ],
                "abstained": bool(answer.abstained) if answer else result.abstained,
                "verified": bool(answer.verified) if answer else False,
                "draft": draft.text if draft else None,
                "hits": [_hit_json(h, is_internal(h)) for h in result.hits],
            }
            print(json.dumps(out, ensure_ascii=False))
            return 0
        if answer is not None:
            if not stream_to_terminal:
                print(answer.text)
            if answer.note:
                print(f"\n({answer.note})")
            for c in answer.citations:
                print(f"[{c.n}] {c.title} — {c.url or c.path}")
        if draft is not None:
            print("\n--- Draft reply (review before sending) ---\n" + draft.text)
        return 0
    except KeyboardInterrupt:
        cancel.set()
        return 130
    finally:
        engine.close()


def _cmd_eval(args: argparse.Namespace) -> int:
    from assist.evaluation import evaluate, find_manifest

    manifest = args.manifest or find_manifest(Path(args.tickets))
    if manifest is None:
        raise ConfigError("No manifest.jsonl found next to the tickets; give --manifest FILE.")
    engine = _engine(args)
    try:
        report = evaluate(engine.retriever, Path(args.tickets), Path(manifest), k=10)
    finally:
        engine.close()
    data = report.as_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    ab = data["abstentions"]
    print(f"tickets {data['tickets']} (answerable {data['answerable']})")
    print(f"recall@1 {data['recall@1']:.3f}   recall@5 {data['recall@5']:.3f}   MRR@10 {data['mrr@10']:.3f}")
    print(
        f"abstained on {ab['unanswerable_abstained']}/{ab['unanswerable']} unanswerable, "
        f"{ab['false_abstentions']} false abstentions"
    )
    for row in data["per_ticket"]:
        if row["rank"] != 1 and not (row["rank"] is None and row["abstained"]):
            print(f"  {row['id']}: rank {row['rank']}, top {row['top'][:1]}")
    return 0


def add_kb_commands(sub: argparse._SubParsersAction, path_type: Any) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db", type=path_type, default=None, help="index or published directory (default: [index] path)"
        )
        p.add_argument("--server", metavar="URL", default=None, help="a Chroma server with the vectors")
        p.add_argument("--collection", default=None, help="the server's collection (default kb_chunks)")
        p.add_argument("--k", type=int, default=10, help="articles to return")
        p.add_argument(
            "--source", action="append", choices=["confluence", "notion", "docs"], help="only this kind"
        )
        p.add_argument("--space", action="append", help="only this space / workspace / top folder")
        p.add_argument("--tag", action="append", help="only articles with this tag")

    search = sub.add_parser("search", help="search the knowledge base")
    search.add_argument("text", nargs="?", help="what to search for")
    search.add_argument(
        "--queries", type=path_type, help="JSONL of tickets {id, subject, body}; one JSON line out each"
    )
    search.add_argument("--json", action="store_true")
    common(search)
    search.set_defaults(func=_cmd_search)

    ask = sub.add_parser("ask", help="answer a question or ticket from the knowledge base (local LLM)")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument(
        "--ticket", type=path_type, help="a ticket JSON file instead of a question (adds a draft)"
    )
    ask.add_argument("--tone", choices=["friendly", "concise", "formal"], default=None)
    ask.add_argument("--no-llm", action="store_true", help="extractive answer only")
    ask.add_argument("--no-draft", action="store_true")
    ask.add_argument("--json", action="store_true")
    common(ask)
    ask.set_defaults(func=_cmd_ask, k=8)

    ev = sub.add_parser("eval", help="retrieval quality on labelled tickets")
    ev.add_argument("tickets", type=path_type, help="JSONL {id, subject, body, answers, also_ok}")
    ev.add_argument("--db", type=path_type, default=None)
    ev.add_argument("--server", metavar="URL", default=None, help="a Chroma server with the vectors")
    ev.add_argument("--manifest", type=path_type, default=None, help="the export's manifest.jsonl")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=_cmd_eval)
