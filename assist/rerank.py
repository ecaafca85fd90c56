"""The second stage: re-orders the first stage's top articles and says how sure it is.

Close siblings (set up vs recover X, X R3 vs X R4, X desktop vs X web) score alike in the first
stage; what tells them apart is small: the variant the ticket names, whether it asks to fix
something or how to do something, how well the article's *title* (not its best passage) fits.
Each candidate gets a feature vector; a linear score ranks them. The weights are not set by
hand nor fitted on labelled tickets: `assist.rerank_fit` fits them at index time on
pseudo-queries made from the KB itself, and stores them beside the index:

    <db>/rerank/model.json      features, weights, abstention model, gazetteer, KB hash
    <db>/rerank/titles.npy      title embeddings (rows in the order of model.json's "uids")

Confidence is a logistic model over the reranked top article's evidence (its score, its margin
over the runner-up, whether the dense and lexical rankers agree on it, how much of the headline
it covers), fitted on the same pseudo-queries with their own article left out of the index: the
"not covered" examples are near misses by construction.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assist.intent import ticket_intent, title_kind
from assist.results import Query
from indexer.gazetteer import Gazetteer, Name, tokens, variant_agreement
from indexer.rerank_train import CROSS_ENCODER_DIR, kb_digest, passage_text
from indexer.store import IndexStore

if TYPE_CHECKING:
    from assist.retrieval import Candidate, FirstStage, Retriever

MODEL_VERSION = 1
RERANK_DIR = "rerank"

FEATURES = (
    "score",
    "best_sim",
    "lead_sim",
    "lexical",
    "phrase",
    "title_sim",
    "variant_match",
    "variant_conflict",
    "kind_agrees",
    "kind_differs",
    "dense_rr",
    "lexical_rr",
)
"""Per candidate. `score` is the first stage's; `*_rr` are reciprocal ranks on one side alone."""

CONFIDENCE_FEATURES = ("top", "margin", "best_sim", "coverage", "agree", "dense_rr", "lexical_rr")
"""Of the reranked top article: its second-stage score, the gap to the runner-up, its best
passage's similarity, the headline coverage, both rankers put it first (0/1), and its ranks."""


@dataclass(frozen=True, slots=True)
class Article:
    """What the second stage knows of an article without reading it at query time."""

    names: tuple[Name, ...]
    kind: str | None
    row: int
    """Row of its title embedding in `SecondStage.title_vectors`; -1 when it has none."""


@dataclass(frozen=True, slots=True)
class CrossScorer:
    """The KB's own cross-encoder (`indexer.rerank_train`), read over the top few candidates."""

    model: Any
    """A `sentence_transformers.CrossEncoder`."""
    depth: int = 5
    """Candidates it reads: each costs a forward pass of ~96 word pieces (README, "Second stage")."""
    weight: float = 0.1
    """Its logit's weight beside the linear score."""

    def scores(self, query: Query, first: FirstStage, candidates: list[Candidate]) -> np.ndarray:
        pairs = []
        for c in candidates:
            _sim, cid = first.items[c.uid][0]
            chunk = first.chunks[cid]
            pairs.append(
                (query.text, passage_text(c.title, str(chunk.meta.get("heading") or ""), chunk.text))
            )
        return np.asarray(
            self.model.predict(pairs, batch_size=len(pairs), show_progress_bar=False, activation_fn=None),
            dtype=np.float32,
        ).reshape(-1)


@dataclass(frozen=True, slots=True)
class SecondStage:
    weights: np.ndarray
    """One per `FEATURES` entry."""
    confidence_weights: np.ndarray
    """One per `CONFIDENCE_FEATURES` entry, then the bias."""
    gazetteer: Gazetteer
    articles: dict[str, Article]
    title_vectors: np.ndarray
    kb_hash: str
    cross: CrossScorer | None = None

    def features(self, query: Query, first: FirstStage, candidates: list[Candidate]) -> np.ndarray:
        """(len(candidates), len(FEATURES)) matrix."""
        text = query.text
        words = set(tokens(text))
        ticket_names = self.gazetteer.names_in(text)
        intent = ticket_intent(text)
        out = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        families = self.gazetteer.families
        arts = [self._article(c) for c in candidates]
        for i, (c, art) in enumerate(zip(candidates, arts, strict=True)):
            title_sim = float(self.title_vectors[art.row] @ first.qv) if art.row >= 0 else c.lead_sim
            siblings = [a.names for j, a in enumerate(arts) if j != i]
            match, conflict = variant_agreement(ticket_names, words, art.names, siblings, families)
            known = intent is not None and art.kind is not None
            out[i] = (
                c.score,
                c.best_sim,
                c.lead_sim,
                c.lexical,
                c.phrase,
                title_sim,
                match,
                conflict,
                float(known and intent == art.kind),
                float(known and intent != art.kind),
                1.0 / c.dense_rank if c.dense_rank else 0.0,
                1.0 / c.lexical_rank if c.lexical_rank else 0.0,
            )
        return out

    def _article(self, c: Candidate) -> Article:
        art = self.articles.get(c.uid)
        return art if art is not None else Article(self.gazetteer.names_in(c.title), title_kind(c.title), -1)

    def scores(self, feats: np.ndarray) -> np.ndarray:
        return feats @ self.weights

    def confidence_features(
        self, query: Query, top: Candidate, scores: np.ndarray, retriever: Retriever
    ) -> np.ndarray:
        ordered = np.sort(scores)[::-1]
        margin = float(ordered[0] - ordered[1]) if len(ordered) > 1 else 1.0
        return np.array(
            [
                float(ordered[0]),
                margin,
                top.best_sim,
                retriever.coverage(query, top.uid, top.title),
                float(top.dense_rank == 1 and top.lexical_rank == 1),
                1.0 / top.dense_rank if top.dense_rank else 0.0,
                1.0 / top.lexical_rank if top.lexical_rank else 0.0,
            ],
            dtype=np.float32,
        )

    def confidence(self, conf_feats: np.ndarray) -> float:
        w = self.confidence_weights
        x = float(conf_feats @ w[:-1] + w[-1])
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))

    def rerank(
        self, query: Query, first: FirstStage, retriever: Retriever, depth: int = 10
    ) -> list[tuple[Candidate, float]]:
        """The first stage's candidates with the top `depth` re-ordered; each paired with the
        result's confidence (the same for all: it is about the top article)."""
        head, tail = first.candidates[:depth], first.candidates[depth:]
        if not head:
            return []
        scores = self.scores(self.features(query, first, head))
        if self.cross is not None:
            best = sorted(range(len(head)), key=lambda i: (-scores[i], head[i].uid))[: self.cross.depth]
            cross = self.cross.scores(query, first, [head[i] for i in best])
            # Below the ones it read: a candidate it did not read never overtakes one it did.
            floor = min(scores[i] for i in best)
            scores = scores.copy()
            for i in range(len(head)):
                if i not in best:
                    scores[i] = min(scores[i], floor) - 1e3
            for i, x in zip(best, cross, strict=True):
                scores[i] += self.cross.weight * float(x)
        order = sorted(range(len(head)), key=lambda i: (-scores[i], head[i].uid))
        ranked = [head[i] for i in order]
        conf = self.confidence(self.confidence_features(query, ranked[0], scores, retriever))
        return [(c, conf) for c in (*ranked, *tail)]

    # -- storage ----------------------------------------------------------------------------------

    def save(self, folder: Path, uids: list[str]) -> None:
        """Into `folder` (normally `<db>/rerank`)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "titles.npy", self.title_vectors.astype(np.float32))
        data = {
            "version": MODEL_VERSION,
            "kb_hash": self.kb_hash,
            "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in self.weights],
            "confidence_features": list(CONFIDENCE_FEATURES),
            "confidence_weights": [round(float(w), 6) for w in self.confidence_weights],
            "gazetteer": sorted(" ".join(n) for n in self.gazetteer.names),
            "uids": uids,
        }
        if self.cross is not None:
            data["cross"] = {"depth": self.cross.depth, "weight": self.cross.weight, "max_length": 96}
        tmp = folder / "model.json.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(folder / "model.json")


def kb_hash(store: IndexStore) -> str:
    return kb_digest(store)


def articles_for(store: IndexStore, gazetteer: Gazetteer, uids: list[str]) -> dict[str, Article]:
    docs = store.docs()
    row = {uid: i for i, uid in enumerate(uids)}
    return {
        uid: Article(gazetteer.names_in(rec.title), title_kind(rec.title), row.get(uid, -1))
        for uid, rec in docs.items()
        if rec.state == "ok"
    }


def load_second_stage(store: IndexStore, folder: Path | None = None) -> SecondStage | None:
    """The second stage stored beside the index (or in `folder`), or None when there is none, it
    was made by another version, or the KB changed since (a stale model would score articles it
    never saw)."""
    folder = folder or store.db_dir / RERANK_DIR
    try:
        data = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "titles.npy")
    except (OSError, ValueError):
        return None
    if data.get("version") != MODEL_VERSION or tuple(data.get("features", ())) != FEATURES:
        return None
    if data.get("kb_hash") != kb_hash(store):
        return None
    gazetteer = Gazetteer(frozenset(tuple(n.split()) for n in data["gazetteer"]))
    cross = _load_cross(folder, data) if data.get("cross") else None
    return SecondStage(
        cross=cross,
        weights=np.asarray(data["weights"], dtype=np.float32),
        confidence_weights=np.asarray(data["confidence_weights"], dtype=np.float32),
        gazetteer=gazetteer,
        articles=articles_for(store, gazetteer, list(data["uids"])),
        title_vectors=np.asarray(vectors, dtype=np.float32),
        kb_hash=data["kb_hash"],
    )


def _load_cross(folder: Path, data: dict) -> CrossScorer | None:
    """The cross-encoder when model.json asks for one and it was trained on this KB's content."""
    try:
        info = json.loads((folder / "cross-encoder.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if info.get("kb_hash") != data.get("kb_hash"):
        return None
    from common.privacy import enforce_offline
    from models.embedder import require_torch

    require_torch(
        f"This index's second stage reads a cross-encoder ({folder / CROSS_ENCODER_DIR}), which",
        "index again with `assist-index --no-rerank`, then `--rerank`, for a second stage without it",
    )
    enforce_offline()
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(
        str(folder / CROSS_ENCODER_DIR),
        device="cpu",
        max_length=int(data["cross"].get("max_length", 96)),
        local_files_only=True,
    )
    return CrossScorer(model, depth=int(data["cross"]["depth"]), weight=float(data["cross"]["weight"]))
