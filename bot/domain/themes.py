"""What candidates ask about, by keyword rules kept as data. Pure: no Slack, no database.

A keyword matches a word that starts with it, case-insensitively ("promotion" matches
"promotions", "learn" matches "learning"); a keyword with a space or hyphen matches that
phrase. A question may have several themes; one with none is "other".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

OTHER = "other"
EXAMPLES = 3
EXAMPLE_MAX = 120

THEMES: dict[str, tuple[str, ...]] = {
    "pay": (
        "salary",
        "salaries",
        "pay",
        "compensation",
        "equity",
        "stock",
        "stock option",
        "bonus",
        "benefit",
        "pension",
        "wage",
        "vacation",
        "holiday",
        "pto",
        "insurance",
    ),
    "growth": (
        "career",
        "promotion",
        "promote",
        "growth",
        "grow",
        "learn",
        "mentor",
        "training",
        "coach",
        "progression",
        "ladder",
        "conference",
        "skill",
        "develop myself",
        "personal development",
    ),
    "team": (
        "team",
        "colleague",
        "manager",
        "management",
        "culture",
        "cultural",
        "remote",
        "hybrid",
        "office",
        "coworker",
        "co-worker",
        "collaborat",
        "people",
        "leadership",
        "work-life",
        "work life",
    ),
    "product": (
        "product",
        "customer",
        "client",
        "roadmap",
        "user",
        "strategy",
        "strategic",
        "market",
        "competitor",
        "vision",
        "mission",
        "feature",
        "business",
        "revenue",
    ),
    "process": (
        "process",
        "on-call",
        "on call",
        "oncall",
        "deploy",
        "release",
        "review",
        "interview",
        "hiring",
        "next step",
        "timeline",
        "agile",
        "scrum",
        "sprint",
        "standup",
        "stand-up",
        "meeting",
        "workflow",
        "testing",
        "planning",
        "decision",
    ),
}
ORDER: tuple[str, ...] = (*THEMES, OTHER)


def _alternatives(keywords: tuple[str, ...]) -> str:
    return "|".join(
        r"\s+".join(re.escape(part) for part in k.split()) for k in sorted(keywords, key=len)
    )


def _scan(flags: int) -> re.Pattern[str]:
    """Every theme in one pass: a zero-width match at each word start where a keyword
    begins (whole words and prefixes), its group naming the theme. One search per theme
    scanned the text once per theme, most of them to the end (docs/performance.md). At one
    position only the first theme whose keyword begins there is seen, so this is exact only
    while no keyword of one theme begins another theme's: checked here, for whoever edits
    THEMES."""
    spelled = {theme: [" ".join(k.split()) for k in kw] for theme, kw in THEMES.items()}
    for theme, keywords in spelled.items():
        others = [k for t, kw in spelled.items() if t != theme for k in kw]
        clash = [(k, o) for k in keywords for o in others if o.startswith(k)]
        if clash:
            raise ValueError(f"a {theme} keyword begins another theme's: {clash[0]}")
    groups = "|".join(f"(?P<{theme}>{_alternatives(kw)})" for theme, kw in THEMES.items())
    return re.compile(rf"(?<!\w)(?={groups})", flags)


_SCAN = _scan(re.IGNORECASE)
# The same, case-sensitive, for ASCII text lowered first: Unicode case-insensitive matching
# made themes_of most of a comparison's theme counting (docs/performance.md). Equivalent on
# ASCII text while every keyword is lower-case ASCII.
_LOWERED = all(k.isascii() and k == k.lower() for kw in THEMES.values() for k in kw)
_LOWER_SCAN = _scan(0)
# What a question may start with, besides white space: bullets.
_BULLETS = "-*•·"


def themes_of(text: str) -> set[str]:
    """Every theme the text touches; {"other"} when it touches none (or is blank)."""
    if _LOWERED and text.isascii():
        found = {str(m.lastgroup) for m in _LOWER_SCAN.finditer(text.lower())}
    else:
        found = {str(m.lastgroup) for m in _SCAN.finditer(text)}
    return found or {OTHER}


def questions_of(text: str) -> list[str]:
    """The text split into questions on line breaks and right after question marks, each
    stripped of white space and of the bullets that start it, blanks and lone "?" left out.
    With str methods: a split and a substitution by regular expression per piece were a
    third of the theme counting (docs/performance.md)."""
    found = []
    for line in text.split("\n"):
        *asked, rest = line.split("?")
        for piece in asked:
            question = _unbulleted(piece + "?")
            if question != "?":
                found.append(question)
        if rest := _unbulleted(rest):
            found.append(rest)
    return found


def _unbulleted(piece: str) -> str:
    """Without the white space and bullets it starts with, nor the white space it ends with."""
    while (shorter := piece.strip().lstrip(_BULLETS)) != piece:
        piece = shorter
    return piece


@dataclass(frozen=True)
class ThemeCount:
    """Candidates' questions of one theme across the role."""

    theme: str  # "pay", "growth", "team", "product", "process", or "other"
    candidates: int  # how many candidates asked about it
    examples: tuple[str, ...]  # a few of the questions, as asked (raw user text)


@dataclass
class _Theme:
    candidates: set[int] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def count_themes(asked: Iterable[tuple[int, str]]) -> tuple[ThemeCount, ...]:
    """Themes across candidates from (round id, candidate-questions text as one panelist
    recorded it). A candidate counts once per theme however many panelists recorded it;
    up to EXAMPLES distinct questions of at most EXAMPLE_MAX characters are kept per theme,
    in the order given. Themes nobody asked about are left out. Sorted by candidates,
    most first, then in THEMES order with "other" last."""
    found: dict[str, _Theme] = {}
    for round_id, text in asked:
        for question in questions_of(text):
            for theme in themes_of(question):
                t = found.setdefault(theme, _Theme())
                t.candidates.add(round_id)
                if len(t.examples) < EXAMPLES and len(question) <= EXAMPLE_MAX:
                    norm = " ".join(question.casefold().split())
                    if norm not in t.seen:
                        t.seen.add(norm)
                        t.examples.append(question)
    counts = [
        ThemeCount(theme=theme, candidates=len(t.candidates), examples=tuple(t.examples))
        for theme, t in found.items()
    ]
    return tuple(sorted(counts, key=lambda c: (-c.candidates, ORDER.index(c.theme))))
