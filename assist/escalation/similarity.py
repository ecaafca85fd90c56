"""How alike two pieces of customer text are, for "the same problem again" and restated messages.

The default is lexical (character n-gram TF-IDF cosine, scikit-learn): cheap, no model, and robust
to typos and other languages. `embedder_similarities` uses the sentence embedder instead, which also
sees paraphrases; the sidebar passes it in because it has the embedder loaded already. (The
frustration signal has its own pairwise form with a calibrated band:
`assist.escalation.frustration.embedder_similarity`.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.embedder import Embedder

Similarity = Callable[[str, str], float]
PairwiseSimilarity = Callable[[str, Sequence[str]], list[float]]


def char_ngram_similarities(text: str, others: Sequence[str]) -> list[float]:
    if not others or not text.strip():
        return [0.0] * len(others)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    docs = [text, *others]
    try:
        matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True).fit_transform(docs)
    except ValueError:  # nothing but stop characters
        return [0.0] * len(others)
    return [float(v) for v in cosine_similarity(matrix[0], matrix[1:])[0]]


def uses_embedder(similarities: PairwiseSimilarity) -> bool:
    """Embedder cosines run higher than n-gram ones: thresholds differ (see the rules file)."""
    return bool(getattr(similarities, "embedder", False))


def embedder_similarities(embedder: Embedder) -> PairwiseSimilarity:
    def compare(text: str, others: Sequence[str]) -> list[float]:
        if not others:
            return []
        vectors = embedder.encode([text, *others])  # normalised: the dot product is the cosine
        return [float(v) for v in vectors[1:] @ vectors[0]]

    compare.embedder = True  # type: ignore[attr-defined]
    return compare
