"""Evidence-quality nudges: transparent rules over a panelist's evidence notes. Pure: no Slack,
no database, no model.

Notes that describe what a candidate did or said predict job performance; verdicts ("great
culture fit") and words about who a candidate is ("young", "accent") do not, and are the
classic path of bias. The rules are data (shipped defaults in evidence_rules.yml, a
workspace's own file imported by its admin), each with the sentence the panelist reads.

Matching is by whole words and phrases, in any case: a note is split into words (letters and
digits, joined by an apostrophe or a hyphen: "I'd", "age-appropriate" and "30-year-old" are
one word each), and a phrase matches a run of whole words. So "age" is found in "his age"
but neither in "agenda" nor in "age-appropriate". A `*` at the start or end of a phrase's
word stands for any letters ("pregnan*"). A rule's exceptions cancel a match they contain:
"young company" keeps "young" quiet there, "like us to" keeps "like us" quiet.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.feedback import FeedbackDraft
from bot.domain.rubric import SCALE, Rubric
from bot.text import truncate

KEEP_AS_WRITTEN = "Edit, or submit again to keep it as written."
FOUND_SHOWN = 3  # phrases quoted per rule; the rest are counted, not quoted
FOUND_MAX = 40  # characters of one quoted phrase
CRITERION_NAME_MAX = 80
FINDINGS_SHOWN = 3  # rules explained per note


class NudgeOutcome(StrEnum):
    """What the panelist did with a note the rules pointed out."""

    PENDING = "pending"  # shown; their next submission says
    EDITED = "edited"  # the note they submitted is not the one pointed out
    KEPT = "kept"  # submitted again as written


class RuleKind(StrEnum):
    WORDS = "words"  # points out any of its phrases
    VERDICT = "verdict"  # points out a note of verdict phrases and filler only
    SHORT = "short"  # points out a note of fewer than min_words words for some ratings


@dataclass(frozen=True)
class EvidenceRule:
    key: str
    kind: RuleKind
    why: str
    phrases: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    filler: tuple[str, ...] = ()  # verdict: words that say nothing either way
    # verdict: fewer other words than this is a verdict; short: fewer words than this.
    min_words: int = 0
    ratings: tuple[int, ...] = ()  # short: the ratings it applies to (empty: every rating)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "kind": self.kind.value, "why": self.why}
        if self.min_words:
            data["min_words"] = self.min_words
        if self.ratings:
            data["ratings"] = list(self.ratings)
        for name, values in (
            ("phrases", self.phrases),
            ("except", self.exceptions),
            ("filler", self.filler),
        ):
            if values:
                data[name] = list(values)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> EvidenceRule:
        """From checked data (evidence_yaml.load_evidence_rules checks what is imported)."""
        return cls(
            key=str(data["key"]),
            kind=RuleKind(data["kind"]),
            why=str(data["why"]),
            phrases=tuple(str(p) for p in data.get("phrases") or ()),
            exceptions=tuple(str(p) for p in data.get("except") or ()),
            filler=tuple(str(p) for p in data.get("filler") or ()),
            min_words=int(data.get("min_words") or 0),
            ratings=tuple(int(r) for r in data.get("ratings") or ()),
        )


@dataclass(frozen=True)
class EvidenceRules:
    rules: tuple[EvidenceRule, ...]

    def to_data(self) -> dict[str, Any]:
        return {"rules": [r.to_data() for r in self.rules]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> EvidenceRules:
        return cls(tuple(EvidenceRule.from_data(r) for r in data.get("rules") or ()))


@dataclass(frozen=True)
class Finding:
    """What one rule found in one note."""

    rule: str
    kind: RuleKind
    why: str
    found: tuple[str, ...] = ()  # the phrases as written in the note (words, verdict)
    words: int = 0  # how many words the note has (short)


# -- words --------------------------------------------------------------------------------------
# Curly apostrophes and Unicode hyphens read as their ASCII selves; one character for one,
# so offsets into the translated text are offsets into the note.
_SAME_CHARACTER = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"}
)
_WORD = re.compile(r"\w+(?:['-]\w+)*")
# A phrase's word: a word, with an optional * at either end (a * may stand before "-year").
_PHRASE_WORD = re.compile(r"(?:\*['-]?)?\w+(?:['-]\w+)*\*?")


def phrase_problem(phrase: str) -> str | None:
    """Why `phrase` can't be a phrase of a rule, or None when it can."""
    parts = phrase.translate(_SAME_CHARACTER).split()
    if not parts:
        return "a phrase needs at least one word."
    for part in parts:
        if not _PHRASE_WORD.fullmatch(part):
            return (
                f"“{part}” is not a word: use letters and digits, joined by ' or -, with * "
                "only at the start or end."
            )
    return None


def _phrase_pattern(phrase: str) -> str:
    words = phrase.translate(_SAME_CHARACTER).casefold().split()
    return " ".join(re.escape(w).replace(r"\*", "[^ ]*") for w in words)


def _alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    patterns = sorted({_phrase_pattern(p) for p in phrases}, key=len, reverse=True)
    if not patterns:
        return None
    # Words are joined by single spaces in the text searched: a run of whole words.
    return re.compile(rf"(?<!\S)(?:{'|'.join(patterns)})(?!\S)")


@dataclass(frozen=True)
class _Matcher:
    phrases: re.Pattern[str] | None
    exceptions: re.Pattern[str] | None
    filler: frozenset[str]


@functools.lru_cache(maxsize=256)
def _matcher(rule: EvidenceRule) -> _Matcher:
    exceptions = _alternation(rule.exceptions)
    return _Matcher(
        phrases=_alternation(rule.phrases),
        # Every exception at every word, overlapping: a lookahead finds each start.
        exceptions=re.compile(f"(?=({exceptions.pattern}))") if exceptions else None,
        filler=frozenset(w.translate(_SAME_CHARACTER).casefold() for w in rule.filler),
    )


@dataclass
class _Note:
    """A note as words: the matches in the note, and their casefolded forms joined by
    single spaces (what phrases are searched in)."""

    text: str
    words: list[re.Match[str]]
    folded: list[str]
    joined: str = ""
    starts: list[int] = field(default_factory=list)  # each word's offset in `joined`

    @classmethod
    def of(cls, text: str) -> _Note:
        words = list(_WORD.finditer(text.translate(_SAME_CHARACTER)))
        note = cls(text, words, [w.group().casefold() for w in words])
        offset = 0
        for word in note.folded:
            note.starts.append(offset)
            offset += len(word) + 1
        note.joined = " ".join(note.folded)
        return note

    def word_range(self, start: int, end: int) -> range:
        """The words a span of `joined` covers."""
        first = bisect_right(self.starts, start) - 1
        last = bisect_right(self.starts, end - 1) - 1
        return range(first, last + 1)

    def as_written(self, words: range) -> str:
        return self.text[self.words[words.start].start() : self.words[words.stop - 1].end()]


def _matches(note: _Note, matcher: _Matcher) -> list[range]:
    """The word ranges the rule's phrases match, less those inside an exception."""
    if matcher.phrases is None or not note.words:
        return []
    spans = [m.span() for m in matcher.phrases.finditer(note.joined)]
    if matcher.exceptions is not None:
        allowed = [m.span(1) for m in matcher.exceptions.finditer(note.joined)]
        spans = [(s, e) for s, e in spans if not any(a <= s and e <= b for a, b in allowed)]
    return [note.word_range(s, e) for s, e in spans]


def _quoted(note: _Note, found: list[range]) -> tuple[str, ...]:
    """The phrases as written, each once (in any case), in the order found."""
    seen: dict[str, str] = {}
    for words in found:
        written = " ".join(note.as_written(words).split())
        seen.setdefault(written.casefold(), written)
    return tuple(seen.values())


def _check(rule: EvidenceRule, note: _Note, rating: int) -> Finding | None:
    if rule.kind == RuleKind.SHORT:
        applies = not rule.ratings or rating in rule.ratings
        if applies and len(note.words) < rule.min_words:
            return Finding(rule.key, rule.kind, rule.why, words=len(note.words))
        return None
    matcher = _matcher(rule)
    found = _matches(note, matcher)
    if not found:
        return None
    if rule.kind == RuleKind.VERDICT:
        covered = {i for words in found for i in words}
        observed = [
            w for i, w in enumerate(note.folded) if i not in covered and w not in matcher.filler
        ]
        if len(observed) >= rule.min_words:
            return None
    return Finding(rule.key, rule.kind, rule.why, found=_quoted(note, found))


def check_note(rules: EvidenceRules, note: str, rating: int) -> tuple[Finding, ...]:
    """What each rule finds in one evidence note given with `rating`; a blank note has
    nothing in it to point out (rules.feedback_errors asks for evidence where needed)."""
    words = _Note.of(note)
    if not words.words:
        return ()
    return tuple(f for rule in rules.rules if (f := _check(rule, words, rating)) is not None)


def check_feedback(rules: EvidenceRules, draft: FeedbackDraft) -> dict[str, tuple[Finding, ...]]:
    """Criterion key → what the rules found in its evidence note, for notes with findings."""
    found = {}
    for rating in draft.ratings:
        findings = check_note(rules, rating.evidence, rating.rating)
        if findings:
            found[rating.criterion_key] = findings
    return found


# -- what the panelist reads ----------------------------------------------------------------------
def explain(finding: Finding, criterion_name: str, rating: int) -> str:
    """One sentence: what was found, where, and why it matters."""
    where = truncate(criterion_name, CRITERION_NAME_MAX)
    if finding.kind == RuleKind.SHORT:
        words = "word" if finding.words == 1 else "words"
        what = f"{finding.words} {words} for a {SCALE.get(rating, str(rating))}"
    else:
        quoted = [f"“{truncate(f, FOUND_MAX)}”" for f in finding.found[:FOUND_SHOWN]]
        more = len(finding.found) - len(quoted)
        what = ", ".join(quoted) + (f" and {more} more" if more > 0 else "")
    return f"{what} under {where}: {finding.why}"


_KIND_ORDER = (RuleKind.WORDS, RuleKind.VERDICT, RuleKind.SHORT)


def nudge_errors(
    rubric: Rubric, draft: FeedbackDraft, found: Mapping[str, tuple[Finding, ...]]
) -> dict[str, str]:
    """The feedback modal's inline errors: evidence block id → what was found and why, and
    that submitting again keeps the note as written."""
    errors = {}
    for criterion in rubric.criteria:
        findings = found.get(criterion.key)
        given = draft.rating_for(criterion.key)
        if not findings or given is None:
            continue
        # Words about who the candidate is first: they matter most.
        ordered = sorted(findings, key=lambda f: _KIND_ORDER.index(f.kind))[:FINDINGS_SHOWN]
        sentences = [explain(f, criterion.name, given.rating) for f in ordered]
        errors[f"evidence:{criterion.key}"] = " ".join([*sentences, KEEP_AS_WRITTEN])
    return errors


def note_digest(key: bytes, round_id: int, user_id: str, criterion_key: str, note: str) -> str:
    """Names a flagged note without keeping it: a keyed hash (HMAC-SHA256), so the stored
    value can't be checked against guessed notes by someone without the key."""
    message = f"{round_id}\x1f{user_id}\x1f{criterion_key}\x1f{note}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# -- calibration ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class NudgeCounts:
    """An interviewer's evidence notes on finished rounds, and how many the rules pointed out."""

    notes: int  # criteria they rated: notes they could have written
    flagged: int  # notes pointed out (once each, whatever the rules found in them)
    kept: int  # of those, submitted again as written


def nudge_counts(
    notes: Mapping[str, int], answered: Iterable[tuple[str, int, str, str]]
) -> dict[str, NudgeCounts]:
    """`notes`: interviewer → criteria rated; `answered`: (interviewer, round id, criterion
    key, outcome) of each answered nudge. A note pointed out twice (edited into another one
    the rules point out) counts once, and as kept when the panelist kept it either time."""
    flagged: dict[str, set[tuple[int, str]]] = {}
    kept: dict[str, set[tuple[int, str]]] = {}
    for user_id, round_id, criterion_key, outcome in answered:
        flagged.setdefault(user_id, set()).add((round_id, criterion_key))
        if outcome == NudgeOutcome.KEPT:
            kept.setdefault(user_id, set()).add((round_id, criterion_key))
    return {
        user_id: NudgeCounts(count, len(flagged.get(user_id, ())), len(kept.get(user_id, ())))
        for user_id, count in notes.items()
    }
