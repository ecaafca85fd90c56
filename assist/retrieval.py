"""Hybrid retrieval: dense (Chroma) + lexical (FTS5 BM25), fused, grouped per article.

    query ─┬─ embed → Chroma nearest chunks ─┐
           └─ FTS5 MATCH → BM25 chunks ──────┴─ reciprocal-rank fusion + title signal
                                              → group by article → confidence → abstain?

Scores of the two sides live on different scales, so they are fused by rank (RRF) rather than
by value; the dense similarity of the top article is kept as the main abstention signal because
it is comparable across queries, which BM25 scores are not.
"""

from __future__ import annotations

import fnmatch
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from assist.query import fts_query
from assist.results import DocHit, Passage, Query, SearchResult
from indexer.chunker import chunk_id
from indexer.store import IndexStore, StoredChunk
from models.embedder import Embedder

if TYPE_CHECKING:
    from assist.rerank import SecondStage


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """Knobs of the fusion and the abstention threshold (tuned on the dev set; see README)."""

    candidates: int = 100
    """Chunks taken from each side before fusion."""
    lead_weight: float = 0.5
    """Weight of the similarity of an article's lead section (title + intro): it says what the
    article is about, where the best-matching chunk only says it mentions the query somewhere."""
    lexical_weight: float = 0.1
    """BM25 (normalised to the best lexical hit) added on top: pasted error messages and codes."""
    phrase_weight: float = 0.2
    """Added when the article contains the ticket's verbatim strings (a pasted error message, what
    the screen shows): the strongest lexical evidence there is, diluted in BM25's sum of terms."""
    hub_penalty: float = 0.15
    """Section/category pages that only list their child articles are not answers."""
    passages_per_doc: int = 3
    abstain_below: float = 0.5
    """Confidence under which the result says the KB doesn't cover the query."""
    confidence_center: float = 0.56
    """Evidence (similarity + coverage bonus) at which confidence is 0.5: the midpoint between
    the best-scoring unanswerable and the worst-scoring answerable dev ticket."""
    confidence_scale: float = 0.025
    coverage_weight: float = 0.2
    """Bonus for the share of the headline's (IDF-weighted) terms found in the top article."""
    rerank: bool = True
    """Use the index's second stage (`assist.rerank`) when the index has one."""
    rerank_depth: int = 10
    """Articles of the first stage the second stage re-orders."""


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Restrict results. Each field is a set of allowed values; empty means any."""

    sources: tuple[str, ...] = ()
    """Source kinds (confluence, notion, docs)."""
    spaces: tuple[str, ...] = ()
    """Top-level space / workspace / folder names."""
    tags: tuple[str, ...] = ()
    paths: tuple[str, ...] = field(default=())
    """Glob patterns over the path inside the export."""

    def __bool__(self) -> bool:
        return bool(self.sources or self.spaces or self.tags or self.paths)

    def accepts(self, meta: dict[str, Any]) -> bool:
        if self.sources and meta.get("source_kind") not in self.sources:
            return False
        if self.spaces:
            wanted = {s.lower() for s in self.spaces}
            hierarchy = [h.strip().lower() for h in str(meta.get("hierarchy", "")).split(" / ")]
            if str(meta.get("space", "")).lower() not in wanted and not wanted.intersection(hierarchy):
                return False
        if self.tags:
            tags = {t.lower() for t in meta.get("tags") or []}
            if not tags.intersection(t.lower() for t in self.tags):
                return False
        return not (self.paths and not any(fnmatch.fnmatch(meta.get("path", ""), p) for p in self.paths))


@dataclass(frozen=True, slots=True)
class Candidate:
    """One article of the first stage, with the evidence its score was made of."""

    uid: str
    score: float
    """The first stage's fused score."""
    best_sim: float
    lead_sim: float
    lexical: float
    """BM25 of its best chunk, relative to the best lexical hit."""
    phrase: float
    """Share of the query's verbatim phrases the article contains."""
    dense_rank: int
    """Rank of the article on the dense side alone (1 = its chunk was the nearest); 0 = absent."""
    lexical_rank: int
    """Rank on the lexical side alone; 0 = absent."""
    title: str
    hub: bool


@dataclass(frozen=True, slots=True)
class FirstStage:
    """What the first stage found for one query, before it becomes a `SearchResult`."""

    qv: np.ndarray
    candidates: list[Candidate]
    """Best first."""
    items: dict[str, list[tuple[float, str]]]
    """Per article: (similarity, chunk id), best first."""
    chunks: dict[str, StoredChunk]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")


_MD_EMPHASIS = re.compile(r"[*_`]+")


def _flat(text: str) -> str:
    """Lower case, no Markdown emphasis, single spaces: how a pasted string is compared."""
    return " ".join(_MD_EMPHASIS.sub("", text).lower().split())


def _is_question(chunk: StoredChunk) -> bool:
    return str(chunk.meta.get("heading") or "").rstrip().endswith("?")


def _doc_ranks(ranked_chunks: list[str], chunks: dict[str, StoredChunk]) -> dict[str, int]:
    """Rank of each article by its first chunk in one side's ranking (1 = best)."""
    ranks: dict[str, int] = {}
    for cid in ranked_chunks:
        uid = chunks[cid].doc_uid
        if uid not in ranks:
            ranks[uid] = len(ranks) + 1
    return ranks


class Retriever:
    """Searches one index. Safe to share between threads for reads; build once, reuse per ticket."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
        second_stage: SecondStage | None = None,
    ) -> None:
        """`second_stage`: defaults to the one stored beside the index, when there is one and
        `settings.rerank` is on."""
        self.store = store
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self._hub_cache: dict[str, bool] = {}
        self._titles: set[str] | None = None
        if second_stage is None and self.settings.rerank:
            from assist.rerank import load_second_stage

            second_stage = load_second_stage(store)
        self.second_stage = second_stage if self.settings.rerank else None

    def search(self, query: Query, k: int = 10, filters: SearchFilters | None = None) -> SearchResult:
        s = self.settings
        timings: dict[str, float] = {}
        first = self.first_stage(query, filters, timings=timings)
        t0 = time.perf_counter()
        candidates = first.candidates
        confidence = 0.0
        if self.second_stage is not None and candidates:
            reranked = self.second_stage.rerank(query, first, self, depth=s.rerank_depth)
            candidates = [c for c, _ in reranked]
            confidence = reranked[0][1]
            timings["rerank"] = time.perf_counter() - t0
        hits = self._hits(candidates[:k], first)
        if self.second_stage is None and hits:
            confidence = self._confidence(query, hits, candidates[0].best_sim)
        timings["fuse"] = timings.get("fuse", 0.0) + time.perf_counter() - t0 - timings.get("rerank", 0.0)
        return SearchResult(
            query=query,
            hits=tuple(hits),
            confidence=round(confidence, 4),
            abstained=confidence < s.abstain_below,
            timings=timings,
        )

    def embed_query(self, query: Query) -> np.ndarray:
        return np.asarray(
            self.embedder.encode([query.text or " ".join(query.terms) or " "])[0], dtype=np.float32
        )

    def first_stage(
        self,
        query: Query,
        filters: SearchFilters | None = None,
        *,
        qv: np.ndarray | None = None,
        exclude: frozenset[str] = frozenset(),
        timings: dict[str, float] | None = None,
    ) -> FirstStage:
        """Fused, article-grouped candidates, best first.

        `qv`: the query's embedding when the caller has it (batch work); `exclude`: chunk ids to
        act as if they were not indexed (the second stage's training leaves the passage a
        pseudo-query was made from out, so it has to be found by the rest of its article).
        """
        s = self.settings
        timings = timings if timings is not None else {}
        n = s.candidates * (4 if filters else 1) + len(exclude)

        t0 = time.perf_counter()
        if qv is None:
            qv = self.embed_query(query)
        timings["embed"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        dense = [(cid, sim) for cid, sim in self.store.vector_search(qv.tolist(), n) if cid not in exclude]
        timings["dense"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        lexical = [
            (cid, sc) for cid, sc in self.store.lexical_search(fts_query(query), n) if cid not in exclude
        ]
        timings["lexical"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        chunks = self.store.get_chunks(list({cid for cid, _ in dense} | {cid for cid, _ in lexical}))
        if filters:
            chunks = {cid: c for cid, c in chunks.items() if filters.accepts(c.meta)}
        sims = {cid: sim for cid, sim in dense if cid in chunks}
        lexical = [(cid, sc) for cid, sc in lexical if cid in chunks]
        # Similarities the dense side did not return: lead sections and lexical-only chunks.
        docs_seen = {c.doc_uid for c in chunks.values()}
        lead_ids = {chunk_id(uid, 0): uid for uid in docs_seen}
        missing = sorted(
            {
                cid
                for cid in (*lead_ids, *(cid for cid, _ in lexical))
                if cid not in sims and cid not in exclude
            }
        )
        for cid, vec in self.store.get_vectors(missing).items():
            sims[cid] = float(np.dot(qv, np.asarray(vec, dtype=np.float32)))
        dense_rank = _doc_ranks([cid for cid, _ in dense if cid in chunks], chunks)
        lexical_rank = _doc_ranks([cid for cid, _ in lexical], chunks)
        candidates, items = self._fuse(query, sims, lexical, chunks, lead_ids, dense_rank, lexical_rank)
        timings["fuse"] = time.perf_counter() - t0
        return FirstStage(qv=qv, candidates=candidates, items=items, chunks=chunks)

    # -- scoring ----------------------------------------------------------------------------------

    def _is_hub(self, uid: str, chunks: list[StoredChunk]) -> bool:
        """A section/category page: its text is mostly a list of other articles' titles."""
        if uid in self._hub_cache:
            return self._hub_cache[uid]
        hub = False
        if len(chunks) <= 2:
            if self._titles is None:
                self._titles = self.store.titles()
            lines = [ln for c in chunks for ln in c.text.split("\n") if ln.strip()]
            items = [m.group(1).strip().strip("*_").lower() for ln in lines if (m := _LIST_ITEM.match(ln))]
            titled = sum(1 for it in items if it in self._titles)
            hub = titled >= 2 and titled >= 0.6 * len(lines) - 1
        self._hub_cache[uid] = hub
        return hub

    def _fuse(
        self,
        query: Query,
        sims: dict[str, float],
        lexical: list[tuple[str, float]],
        chunks: dict[str, StoredChunk],
        lead_ids: dict[str, str],
        dense_rank: dict[str, int],
        lexical_rank: dict[str, int],
    ) -> tuple[list[Candidate], dict[str, list[tuple[float, str]]]]:
        s = self.settings
        lex_norm: dict[str, float] = {}
        if lexical:
            best = lexical[0][1] or 1.0
            for cid, score in lexical:
                uid = chunks[cid].doc_uid
                lex_norm[uid] = max(lex_norm.get(uid, 0.0), score / best)
        by_doc: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for cid, chunk in chunks.items():
            by_doc[chunk.doc_uid].append((sims.get(cid, -1.0), cid))
        lead_sim = {uid: sims[cid] for cid, uid in lead_ids.items() if cid in sims}
        phrase_share = self._phrase_share(query, by_doc, chunks)

        scored: list[Candidate] = []
        for uid, items in by_doc.items():
            items.sort(reverse=True)
            best_sim = items[0][0]
            lead = lead_sim.get(uid, best_sim)
            # A section headed by a question (a FAQ entry) is an article of its own: its heading
            # says what it is about, which the page's lead, written for all entries, does not.
            lead = max(lead, next((sim for sim, cid in items if _is_question(chunks[cid])), lead))
            score = (
                best_sim
                + s.lead_weight * lead
                + s.lexical_weight * lex_norm.get(uid, 0.0)
                + s.phrase_weight * phrase_share.get(uid, 0.0)
            )
            hub = self._is_hub(uid, [chunks[c] for _, c in items])
            if hub:
                score -= s.hub_penalty
            scored.append(
                Candidate(
                    uid=uid,
                    score=score,
                    best_sim=best_sim,
                    lead_sim=lead,
                    lexical=lex_norm.get(uid, 0.0),
                    phrase=phrase_share.get(uid, 0.0),
                    dense_rank=dense_rank.get(uid, 0),
                    lexical_rank=lexical_rank.get(uid, 0),
                    title=str(chunks[items[0][1]].meta.get("title", "")),
                    hub=hub,
                )
            )
        scored.sort(key=lambda c: (-c.score, c.uid))
        return scored, by_doc

    def _hits(self, candidates: list[Candidate], first: FirstStage) -> list[DocHit]:
        s = self.settings
        scale = 1.0 + s.lead_weight + s.lexical_weight
        hits: list[DocHit] = []
        chunks = first.chunks
        for rank, cand in enumerate(candidates, start=1):
            items = first.items[cand.uid]
            meta = chunks[items[0][1]].meta
            passages = tuple(
                Passage(
                    chunk_id=cid,
                    text=chunks[cid].text,
                    heading=str(chunks[cid].meta.get("heading") or ""),
                    score=round(max(0.0, sim), 4),
                    page=chunks[cid].meta.get("page"),
                )
                for sim, cid in items[: s.passages_per_doc]
            )
            hits.append(
                DocHit(
                    rank=rank,
                    score=round(max(0.0, min(1.0, cand.score / scale)), 4),
                    doc_id=str(meta.get("doc_id", "")),
                    doc_uid=cand.uid,
                    title=str(meta.get("title", "")),
                    source=str(meta.get("source_kind", "")),
                    source_root=str(meta.get("source_root", "")),
                    path=str(meta.get("path", "")),
                    url=meta.get("url"),
                    hierarchy=str(meta.get("hierarchy", "")),
                    updated=meta.get("updated"),
                    passages=passages,
                    tags=tuple(meta.get("tags") or ()),
                    space=str(meta.get("space", "")),
                    parent_key=meta.get("parent_key"),
                    internal=bool(meta.get("internal")),
                    internal_reason=str(meta.get("internal_reason") or ""),
                )
            )
        return hits

    @staticmethod
    def _phrase_share(
        query: Query, by_doc: dict[str, list[tuple[float, str]]], chunks: dict[str, StoredChunk]
    ) -> dict[str, float]:
        """Per article, the share of the query's verbatim phrases found in its passages."""
        phrases = [
            re.compile(rf"(?<!\w){re.escape(p)}(?!\w)") for p in {_flat(p) for p in query.phrases} - {""}
        ]
        if not phrases:
            return {}
        share: dict[str, float] = {}
        for uid, items in by_doc.items():
            text = _flat(" ".join(chunks[cid].text for _, cid in items))
            found = sum(1 for p in phrases if p.search(text))
            if found:
                share[uid] = found / len(phrases)
        return share

    def _confidence(self, query: Query, hits: list[DocHit], top_sim: float) -> float:
        """Top similarity, raised by how much of the headline the top article actually talks about.

        Similarity alone can't tell "student discount" (no such article; the nearest one is about
        students) from a badly worded covered question; unanswerable tickets hinge on a headline
        word the KB never uses near that topic.
        """
        s = self.settings
        x = top_sim + s.coverage_weight * self._focus_coverage(query, hits[0])
        return _sigmoid((x - s.confidence_center) / s.confidence_scale)

    def _focus_coverage(self, query: Query, hit: DocHit) -> float:
        return self.coverage(query, hit.doc_uid, hit.title)

    def coverage(self, query: Query, uid: str, title: str) -> float:
        """IDF-weighted share of the headline's terms that occur in an article."""
        terms = [t for t in (query.focus or query.terms) if len(t) > 2]
        if not terms:
            return 0.5
        freqs = self.store.term_frequencies(terms)
        total = max(1, self.store.chunk_count())
        weights = {t: math.log((total + 1) / (freqs.get(t, 0) + 0.5)) for t in terms}
        text = " ".join([title, *self.store.doc_text(uid)]).lower()
        # A five-letter prefix is a cheap stemmer: "pairing" finds "pair", "pairs", "paired".
        found = sum(w for t, w in weights.items() if t[:5] in text)
        return found / (sum(weights.values()) or 1.0)
