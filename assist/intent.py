"""What a ticket asks for (fix a problem, do a task, know about something) and what kind of
article a title announces, so a how-to ticket can prefer the how-to over its troubleshooting
sibling ("set up X" vs "if X doesn't work"). The cues are data, in `assist/data/intent.toml`.

    >>> ticket_intent("How do I burn the bootloader with an UNO?")
    'howto'
    >>> title_kind("If your board is not detected")
    'problem'
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

KINDS = ("problem", "howto", "about")


@cache
def _patterns() -> dict[str, dict[str, re.Pattern[str]]]:
    with resources.files("assist.data").joinpath("intent.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return {
        side: {
            kind: re.compile("|".join(f"(?:{p})" for p in data[side][kind]), re.IGNORECASE) for kind in KINDS
        }
        for side in ("ticket", "title")
    }


def _normalise(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def ticket_intent(text: str) -> str | None:
    """The kind whose cues occur most often in the ticket; None when none does (or a tie)."""
    pats = _patterns()["ticket"]
    text = _normalise(text)
    counts = {kind: len(pats[kind].findall(text)) for kind in KINDS}
    best = max(counts.values())
    winners = [k for k, c in counts.items() if c == best]
    return winners[0] if best and len(winners) == 1 else None


def title_kind(title: str) -> str | None:
    """The first kind whose cue the title matches, in the order problem, how-to, about."""
    pats = _patterns()["title"]
    title = _normalise(title)
    return next((kind for kind in KINDS if pats[kind].search(title)), None)
