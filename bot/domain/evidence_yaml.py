"""Evidence rules as a YAML file: the shipped defaults, and a workspace's own file to export,
edit and import again (`panelbot evidence-rules export|import`). No Slack.

The file's format is explained at the top of the shipped defaults, evidence_rules.yml. An
import is checked as a whole: every problem is listed, with the rule and the field, and
nothing is imported while one is left.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any

from bot.domain.evidence import EvidenceRule, EvidenceRules, RuleKind, phrase_problem
from bot.domain.rubric import SCALE
from bot.domain.yaml_files import DataFileError, dump_document, load_document, unknown_keys

MAX_FILE_CHARS = 200_000
MAX_RULES = 50
MAX_PHRASES = 2_000  # of one list of one rule
PHRASE_MAX = 80
WHY_MAX = 300
MIN_WORDS_MAX = 50
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")

# What each kind of rule is made of: required fields, then optional ones.
_FIELDS: dict[RuleKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RuleKind.WORDS: (("phrases",), ("except",)),
    RuleKind.VERDICT: (("phrases", "min_words"), ("except", "filler")),
    RuleKind.SHORT: (("min_words",), ("ratings",)),
}
_COMMON = ("key", "kind", "why")
_HEAD = (
    "# Panelbot evidence rules of this workspace. The shipped defaults explain every field;\n"
    "# `panelbot evidence-rules export` on a workspace without its own rules writes them.\n"
)


def default_rules_text() -> str:
    """The shipped defaults as written, comments included."""
    return resources.files("bot.domain").joinpath("evidence_rules.yml").read_text("utf-8")


@functools.cache
def default_rules() -> EvidenceRules:
    return load_evidence_rules(default_rules_text())


def dump_evidence_rules(rules: EvidenceRules) -> str:
    return _HEAD + dump_document(rules.to_data())


def load_evidence_rules(text: str) -> EvidenceRules:
    """The rules in the file; DataFileError listing every problem found."""
    data = load_document(text, MAX_FILE_CHARS)
    if not isinstance(data, dict) or set(data) != {"rules"}:
        raise DataFileError(['The file must have one top-level key, "rules", listing rules.'])
    entries = data["rules"]
    if not isinstance(entries, list):
        raise DataFileError(['"rules" must be a list of rules (it may be empty).'])
    if len(entries) > MAX_RULES:
        raise DataFileError([f"The file has {len(entries)} rules; keep it to {MAX_RULES}."])
    problems: list[str] = []
    rules: list[EvidenceRule] = []
    keys: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        rule, found = _read_rule(number, entry)
        problems += found
        if rule is None:
            continue
        if rule.key in keys:
            problems.append(f"Rule “{rule.key}” is listed twice; give each rule its own key.")
        keys.add(rule.key)
        rules.append(rule)
    if problems:
        raise DataFileError(problems)
    return EvidenceRules(tuple(rules))


def _read_rule(number: int, entry: object) -> tuple[EvidenceRule | None, list[str]]:
    where = f"Rule {number}"
    if not isinstance(entry, dict):
        return None, [f"{where}: expected “key:”, “kind:” and “why:”."]
    key = entry.get("key")
    if isinstance(key, str) and _KEY.fullmatch(key):
        where = f"Rule “{key}”"
    else:
        return None, [
            f"{where}: give it a “key:” of at most 32 lower-case letters, digits, _ and -."
        ]
    try:
        kind = RuleKind(str(entry.get("kind")))
    except ValueError:
        kinds = ", ".join(k.value for k in RuleKind)
        return None, [f"{where}: “kind:” must be one of {kinds}."]
    required, optional = _FIELDS[kind]
    problems = unknown_keys(where, entry, (*_COMMON, *required, *optional))
    problems += [f"{where}: a {kind} rule needs “{f}:”." for f in required if f not in entry]
    why = entry.get("why")
    if not isinstance(why, str) or not why.strip():
        problems.append(f"{where}: say in “why:” what the panelist should do instead.")
        why = ""
    elif len(why) > WHY_MAX:
        problems.append(f"{where}: keep “why:” to {WHY_MAX} characters.")
    lists: dict[str, tuple[str, ...]] = {}
    for name in ("phrases", "except", "filler"):
        lists[name], found = _phrases(where, name, entry.get(name), word=name == "filler")
        problems += found
    min_words = _min_words(where, entry.get("min_words"), problems)
    ratings = _ratings(where, entry.get("ratings"), problems)
    rule = EvidenceRule(
        key=key,
        kind=kind,
        why=" ".join(why.split()),
        phrases=lists["phrases"],
        exceptions=lists["except"],
        filler=lists["filler"],
        min_words=min_words,
        ratings=ratings,
    )
    return rule, problems


def _phrases(
    where: str, name: str, raw: object, *, word: bool
) -> tuple[tuple[str, ...], list[str]]:
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), [f"{where}, {name}: write a list, one phrase a line starting with “- ”."]
    if len(raw) > MAX_PHRASES:
        return (), [f"{where}, {name}: has {len(raw)} entries; keep it to {MAX_PHRASES}."]
    problems = []
    phrases = []
    for item in raw:
        if not isinstance(item, str | int) or isinstance(item, bool):
            problems.append(f"{where}, {name}: {item!r} is not a phrase; quote it.")
            continue
        text = " ".join(str(item).split())
        problem = phrase_problem(text)
        if problem is None and len(text) > PHRASE_MAX:
            problem = f"keep a phrase to {PHRASE_MAX} characters."
        if problem is None and word and (len(text.split()) != 1 or "*" in text):
            problem = "filler is single words, without *."
        if problem:
            problems.append(f"{where}, {name}, “{text}”: {problem}")
            continue
        phrases.append(text)
    return tuple(phrases), problems


def _min_words(where: str, raw: Any, problems: list[str]) -> int:
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MIN_WORDS_MAX:
        problems.append(f"{where}, min_words: give a whole number from 1 to {MIN_WORDS_MAX}.")
        return 0
    return raw


def _ratings(where: str, raw: Any, problems: list[str]) -> tuple[int, ...]:
    if raw is None:
        return ()
    valid = isinstance(raw, list) and all(
        isinstance(r, int) and not isinstance(r, bool) and r in SCALE for r in raw
    )
    if not valid:
        problems.append(f"{where}, ratings: list ratings from 1 to 4, like [1, 4].")
        return ()
    return tuple(sorted(set(raw)))
