"""Product and model names, taken from a KB's own titles, and where a text names them.

Close sibling articles often differ only in the variant they are about ("Nano 33 BLE Sense" vs
"Nano 33 BLE Sense Rev2", "UNO R4 WiFi" vs "UNO R4 Minima"); a sentence embedder barely sees
"Rev2". The names are found without a product list, so any KB works:

    >>> gaz = Gazetteer.from_titles(["Use the built-in sensors on Nano 33 BLE Sense",
    ...                              "Reset the Nano 33 BLE Sense Rev2", "About Qwiic"])
    >>> gaz.names_in("my nano 33 ble sense rev2 won't start")
    (('nano', '33', 'ble', 'sense', 'rev2'),)

A name is a maximal run of title words that are capitalised, upper case or carry a digit, with at
least one word that has a digit or is all capitals (a model, a revision, an acronym), or a run of
two or more capitalised words seen in at least two titles ("Cloud Editor", "Science Journal").
The first word of a title only counts when it is a name word elsewhere too ("Use", "Restore" and
"If" are capitalised because they start the title).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Name = tuple[str, ...]

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+]*(?:[.][0-9]+)*")
_GLUE = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "of",
        "on",
        "for",
        "to",
        "in",
        "with",
        "the",
        "your",
        "my",
        "via",
        "from",
        "by",
        "at",
        "is",
        "are",
        "can",
        "how",
        "what",
        "why",
        "if",
        "when",
        "vs",
        "not",
        "no",
        "do",
        "does",
    ]
)
_MAX_NAME = 6


def tokens(text: str) -> list[str]:
    """Lower-cased words, as names are compared ("R4", "1.8" and "rp2040" stay one word)."""
    return [t.lower() for t in _TOKEN.findall(text)]


def _strong(word: str) -> bool:
    return any(ch.isdigit() for ch in word) or (len(word) >= 2 and word.isupper())


def _namey(word: str) -> bool:
    return word[:1].isupper() or _strong(word)


def _runs(title: str, initial_ok: set[str]) -> list[list[str]]:
    words = _TOKEN.findall(title)
    runs: list[list[str]] = []
    run: list[str] = []
    for i, word in enumerate(words):
        ok = _namey(word) and word.lower() not in _GLUE
        if i == 0 and ok and not _strong(word) and word.lower() not in initial_ok:
            ok = False
        if ok:
            run.append(word)
        else:
            if run:
                runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [r[:_MAX_NAME] for r in runs]


@dataclass(frozen=True, slots=True)
class Gazetteer:
    names: frozenset[Name]
    """Every known name as lower-cased words."""

    @classmethod
    def from_titles(cls, titles: Iterable[str]) -> Gazetteer:
        titles = [t for t in titles if t.strip()]
        # Words that are capitalised somewhere other than at the start of a title are name words.
        mid = {w.lower() for t in titles for w in _TOKEN.findall(t)[1:] if _namey(w)}
        plain: Counter[Name] = Counter()
        names: set[Name] = set()
        for title in titles:
            for run in _runs(title, mid):
                name = tuple(w.lower() for w in run)
                if any(_strong(w) for w in run):
                    names.add(name)
                elif len(run) >= 2:
                    plain[name] += 1
        names.update(n for n, c in plain.items() if c >= 2)
        # Version numbers, units and ids ("1.8", "5v", "74") are not products.
        names = {n for n in names if any(sum(ch.isalpha() for ch in w) >= 2 for w in n)}
        # The brand ("Arduino Nano 33 IoT", "Arduino IDE") starts many names of every kind: it
        # is no family, so it is dropped from the front and "Nano" is the family.
        firsts = Counter(n[0] for n in names if len(n) > 1)
        brands = {w for w, c in firsts.items() if c >= 5 and c >= 0.1 * len(names)}
        names = {n[1:] if n[0] in brands and len(n) > 1 else n for n in names}
        return cls(frozenset(names))

    def names_in(self, text: str | Sequence[str]) -> tuple[Name, ...]:
        """The known names a text mentions, longest first; a name inside a longer one is dropped."""
        words = tokens(text) if isinstance(text, str) else list(text)
        found: list[tuple[int, int]] = []
        for i in range(len(words)):
            for n in range(min(_MAX_NAME, len(words) - i), 0, -1):
                if tuple(words[i : i + n]) in self.names:
                    found.append((i, i + n))
                    break
        kept = [(a, b) for a, b in found if not any(c <= a and b <= d and (c, d) != (a, b) for c, d in found)]
        out: list[Name] = []
        for a, b in sorted(kept, key=lambda ab: ab[0] - ab[1]):
            name = tuple(words[a:b])
            if name not in out:
                out.append(name)
        return tuple(out)

    @property
    def families(self) -> frozenset[str]:
        """First words of multi-word names: "nano", "uno", "portenta"…"""
        return frozenset(n[0] for n in self.names if len(n) > 1)


def variant_of(name: Name, families: frozenset[str]) -> bool:
    """A name that picks one member of a family: "uno r4 wifi" (family "uno"), not "5v" or "uno"."""
    return len(name) > 1 and name[0] in families


def variant_agreement(
    ticket: Sequence[Name],
    ticket_words: set[str],
    title: Sequence[Name],
    siblings: Sequence[Sequence[Name]],
    families: frozenset[str],
) -> tuple[float, float]:
    """(match, conflict) of one candidate article's title names, among its fellow candidates.

    Only variants count: a name of two or more words that starts with a family word ("UNO R4
    WiFi", "Nano 33 BLE Sense Rev2"). The ticket must name a variant of a family for either to
    fire; a ticket that says only "my nano" may have any of them.

    match: the title names the ticket's variant (every word of the title's name is in the ticket)
    while another candidate names a different variant of that family: the name tells them apart.
    conflict: the title names a variant of that family with a word the ticket never uses
    ("Minima", "Rev2") and none that matches: the sibling for another variant.
    """
    named = {n[0] for n in ticket if variant_of(n, families)}
    if not named:
        return 0.0, 0.0
    mine = [n for n in title if variant_of(n, families) and n[0] in named]
    if not mine:
        return 0.0, 0.0
    fits = [n for n in mine if all(w in ticket_words for w in n)]
    if fits:
        rivals = any(
            variant_of(n, families) and n[0] in named and any(w not in ticket_words for w in n)
            for other in siblings
            for n in other
        )
        return (1.0 if rivals else 0.0), 0.0
    return 0.0, 1.0
