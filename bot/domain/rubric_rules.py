"""Rules for a role's own rubric, edited in a modal or imported from a file. No Slack.

The limits make sure a saved rubric always renders wherever criteria are shown:
- the name is a radio group's label and "Evidence — <name>" in the feedback modal (Slack
  allows 2000), a table header in the summary, and a bold lead in bullet lists;
- the probe is the feedback modal's hint (2000) and follows the name in the brief's
  "What to probe" list, which is one section (3000): 8 × (60 + 300 + bullets) fits;
- anchors are radio option descriptions, which Slack renders up to 75 characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.rubric import ANCHOR_MAX, SCALE, Criterion, Rubric
from bot.domain.rules import blank
from bot.text import truncate

MAX_CRITERIA = 8
NAME_MAX = 60
PROBE_MAX = 300
KEY_MAX = 40
# The new-panel modal shows rubric names as select options (75 characters).
RUBRIC_NAME_MAX = 75
RUBRIC_NAME_SUFFIX = " rubric"

# Anchors 2 and 3 are not edited in the modal: kept from the same-named criterion, else these.
GENERIC_ANCHOR_2 = "Below the bar: closer to a 1 than a 4"
GENERIC_ANCHOR_3 = "Meets the bar: closer to a 4 than a 1"

# Field suffixes of a slot's ids ("c0_name", "c3_anchor_4"), in the order they are shown.
FIELDS = ("name", "probe", "anchor_1", "anchor_4", "anchor_2", "anchor_3")


@dataclass(frozen=True)
class CriterionDraft:
    """One criterion as typed in. anchor_2 and anchor_3 come only from an imported file;
    empty means "keep the previous ones, or use generic ones"."""

    name: str
    probe: str
    anchor_1: str
    anchor_4: str
    anchor_2: str = ""
    anchor_3: str = ""

    def cleaned(self) -> CriterionDraft:
        return CriterionDraft(
            name=self.name.strip(),
            probe=self.probe.strip(),
            anchor_1=self.anchor_1.strip(),
            anchor_4=self.anchor_4.strip(),
            anchor_2=self.anchor_2.strip(),
            anchor_3=self.anchor_3.strip(),
        )

    @property
    def is_blank(self) -> bool:
        c = self.cleaned()
        return not (c.name or c.probe or c.anchor_1 or c.anchor_4 or c.anchor_2 or c.anchor_3)

    @classmethod
    def of(cls, criterion: Criterion) -> CriterionDraft:
        a1, a2, a3, a4 = criterion.anchors
        return cls(criterion.name, criterion.probe, a1, a4, a2, a3)


def field_id(slot: int, field: str) -> str:
    return f"c{slot}_{field}"


def name_key(name: str) -> str:
    """What makes two names the same: case and spacing don't count."""
    return " ".join(name.split()).casefold()


_REQUIRED = {
    "name": "Give this criterion a name.",
    "probe": "Say what panelists should probe.",
    "anchor_1": f"Describe what a 1 ({SCALE[1]}) looks like.",
    "anchor_4": f"Describe what a 4 ({SCALE[4]}) looks like.",
}
_LIMITS = {
    "name": NAME_MAX,
    "probe": PROBE_MAX,
    "anchor_1": ANCHOR_MAX,
    "anchor_4": ANCHOR_MAX,
    "anchor_2": ANCHOR_MAX,
    "anchor_3": ANCHOR_MAX,
}
_ONE_LINE = frozenset({"name", "anchor_1", "anchor_2", "anchor_3", "anchor_4"})


def rubric_errors(drafts: Sequence[CriterionDraft]) -> dict[str, str]:
    """Field id → what is wrong, for every problem at once. A slot left wholly blank is
    skipped; a slot partly filled must be complete."""
    errors: dict[str, str] = {}
    seen: dict[str, tuple[int, str]] = {}  # name key → (slot, name as typed)
    filled = 0
    for slot, raw in enumerate(drafts):
        if raw.is_blank:
            continue
        filled += 1
        draft = raw.cleaned()
        for field in FIELDS:
            problem = _field_error(field, getattr(draft, field))
            if problem:
                errors[field_id(slot, field)] = problem
        if filled > MAX_CRITERIA:
            errors[field_id(slot, "name")] = (
                f"A rubric has at most {MAX_CRITERIA} criteria; this is number {filled}."
            )
            continue
        if draft.name and field_id(slot, "name") not in errors:
            earlier = seen.get(name_key(draft.name))
            if earlier is not None:
                errors[field_id(slot, "name")] = (
                    f"Criterion {earlier[0] + 1} is already named “{earlier[1]}”; "
                    "give each criterion its own name."
                )
            else:
                seen[name_key(draft.name)] = (slot, draft.name)
    if filled == 0:
        errors[field_id(0, "name")] = "A rubric needs at least one criterion."
    return errors


def _field_error(field: str, value: str) -> str | None:
    if blank(value):  # invisible characters only are no name, probe or anchor
        return _REQUIRED.get(field)
    limit = _LIMITS[field]
    if len(value) > limit:
        return f"Keep this to {limit} characters (it has {len(value)})."
    if field in _ONE_LINE and "\n" in value:
        return "Keep this on one line."
    return None


def build_rubric(
    role_key: str,
    role_name: str,
    version: int,
    drafts: Sequence[CriterionDraft],
    previous: Rubric | None,
) -> Rubric:
    """The role's rubric from valid drafts (blank slots dropped).

    A criterion keeps the key of the previous criterion with the same name (ignoring case),
    so ratings stay comparable across edits that keep the name; a new name gets a new key,
    never one the previous version used. Anchors 2 and 3 come from the draft, else from the
    previous same-named criterion, else generic ones.
    """
    errors = rubric_errors(drafts)
    if errors:
        raise ValueError(f"invalid rubric drafts: {errors}")
    old_criteria = previous.criteria if previous else ()
    before: dict[str, Criterion] = {}
    for c in old_criteria:
        before.setdefault(name_key(c.name), c)
    pairs = [(d.cleaned(), before.get(name_key(d.name))) for d in drafts if not d.is_blank]
    # Names are unique, so each previous criterion is matched at most once. A new slug avoids
    # every key the previous version used, kept or not.
    taken = {c.key for c in old_criteria} | {old.key for _, old in pairs if old}
    criteria = []
    for draft, old in pairs:
        key = old.key if old else _unique(slug(draft.name), taken)
        taken.add(key)
        criteria.append(
            Criterion(
                key=key,
                name=draft.name,
                probe=draft.probe,
                anchors=(
                    draft.anchor_1,
                    draft.anchor_2 or (old.anchors[1] if old else GENERIC_ANCHOR_2),
                    draft.anchor_3 or (old.anchors[2] if old else GENERIC_ANCHOR_3),
                    draft.anchor_4,
                ),
            )
        )
    return Rubric(
        key=f"role-{role_key}",
        name=rubric_name(role_name),
        criteria=tuple(criteria),
        version=version,
    )


def rubric_name(role_name: str) -> str:
    room = RUBRIC_NAME_MAX - len(RUBRIC_NAME_SUFFIX)
    return truncate(" ".join(role_name.split()), room) + RUBRIC_NAME_SUFFIX


def slug(name: str) -> str:
    """lowercase a-z, 0-9 and "_", at most KEY_MAX characters; accents are dropped."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    found = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return found[:KEY_MAX].rstrip("_") or "criterion"


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[: KEY_MAX - len(suffix)].rstrip("_") + suffix
        if candidate not in taken:
            return candidate
        n += 1
