"""Role rubrics as a YAML file, to export, edit in bulk and import again. No Slack.

    roles:
    - role: Staff Engineer
      criteria:
      - name: Depth of skills and experience
        probe: Ask for a concrete past example and its trade-offs.
        anchors:
          1: Could not go beyond buzzwords
          2: Some examples, but shallow      # 2 and 3 may be left out
          3: Concrete examples, sound trade-offs
          4: Deep, first-hand mastery

Import goes through the same rules as the modal (rubric_rules.rubric_errors), so a file
can't hold a rubric the modal would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import rules
from bot.domain.rubric import SCALE, Rubric
from bot.domain.rubric_rules import (
    FIELDS,
    MAX_CRITERIA,
    CriterionDraft,
    field_id,
    name_key,
    rubric_errors,
)
from bot.domain.yaml_files import DataFileError, dump_document, load_document, unknown_keys

MAX_FILE_CHARS = 500_000
MAX_ROLES = 500

_ROLE_KEYS = ("role", "criteria")
_CRITERION_KEYS = ("name", "probe", "anchors")
_FIELD_LABELS = {
    "name": "name",
    "probe": "probe",
    "anchor_1": f"anchor 1 ({SCALE[1]})",
    "anchor_2": f"anchor 2 ({SCALE[2]})",
    "anchor_3": f"anchor 3 ({SCALE[3]})",
    "anchor_4": f"anchor 4 ({SCALE[4]})",
}


# The rubric file's problems are those of any data file (kept under its own name).
RubricFileError = DataFileError


# --- export ---------------------------------------------------------------------------


def dump_rubrics(rubrics: Mapping[str, Rubric]) -> str:
    """Role name → rubric, as a readable YAML document that load_rubrics reads back."""
    roles = [
        {
            "role": role,
            "criteria": [
                {
                    "name": c.name,
                    "probe": c.probe,
                    "anchors": {n: c.anchor(n) for n in (1, 2, 3, 4)},
                }
                for c in rubric.criteria
            ],
        }
        for role, rubric in rubrics.items()
    ]
    scale = " · ".join(f"{n} {label}" for n, label in SCALE.items())
    head = (
        "# Panelbot rubrics, one entry per role.\n"
        f"# Anchors say what each rating looks like: {scale}.\n"
        f"# At most {MAX_CRITERIA} criteria a role; anchors 2 and 3 may be left out.\n"
    )
    return head + dump_document({"roles": roles})


# --- import ---------------------------------------------------------------------------


def load_rubrics(text: str) -> dict[str, list[CriterionDraft]]:
    """Role name (as written) → its criteria, checked by the same rules as the modal.

    Raises RubricFileError naming the role, the criterion and the problem for everything
    wrong at once, or the line and column when the YAML itself is malformed. Build each
    role's Rubric with rubric_rules.build_rubric.
    """
    data = load_document(text, MAX_FILE_CHARS)
    if not isinstance(data, dict) or set(data) != {"roles"}:
        raise RubricFileError(['The file must have one top-level key, "roles", listing roles.'])
    roles = data["roles"]
    if not isinstance(roles, list) or not roles:
        raise RubricFileError(['"roles" must be a list with at least one role.'])
    if len(roles) > MAX_ROLES:
        raise RubricFileError([f"The file has {len(roles)} roles; import at most {MAX_ROLES}."])
    problems: list[str] = []
    result: dict[str, list[CriterionDraft]] = {}
    seen: dict[str, str] = {}
    for number, entry in enumerate(roles, start=1):
        role, drafts, found = _read_role(number, entry)
        problems += found
        if role is None:
            continue
        if name_key(role) in seen:
            problems.append(f"Role “{role}” is listed twice; give each role one entry.")
            continue
        seen[name_key(role)] = role
        result[role] = drafts
    if problems:
        raise RubricFileError(problems)
    return result


def _read_role(number: int, entry: object) -> tuple[str | None, list[CriterionDraft], list[str]]:
    where = f"Role {number}"
    if not isinstance(entry, dict):
        return None, [], [f"{where}: expected “role:” and “criteria:”."]
    problems = unknown_keys(where, entry, _ROLE_KEYS)
    role = entry.get("role")
    if not isinstance(role, str) or not role.strip():
        return None, [], [*problems, f"{where}: give the role's name as text after “role:”."]
    role = " ".join(role.split())
    where = f"Role “{role}”"
    if len(role) > rules.ROLE_NAME_MAX:
        problems.append(f"{where}: keep the role name to {rules.ROLE_NAME_MAX} characters.")
    criteria = entry.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        return role, [], [*problems, f"{where}: list its criteria under “criteria:”."]
    if len(criteria) > MAX_CRITERIA:
        problems.append(
            f"{where}: has {len(criteria)} criteria; a rubric has at most {MAX_CRITERIA}."
        )
        return role, [], problems
    drafts = []
    unreadable: set[str] = set()  # field ids already reported as unreadable
    for index, raw in enumerate(criteria):
        draft, found, fields = _read_criterion(f"{where}, criterion {index + 1}", raw)
        problems += found
        unreadable |= {field_id(index, f) for f in fields}
        drafts.append(draft)
    errors = rubric_errors(drafts)
    for index, draft in enumerate(drafts):
        label = f"{where}, criterion {index + 1}" + (f" (“{draft.name}”)" if draft.name else "")
        for field in FIELDS:
            message = errors.get(field_id(index, field))
            if message and field_id(index, field) not in unreadable:
                problems.append(f"{label}, {_FIELD_LABELS[field]}: {message}")
    return role, drafts, problems


def _read_criterion(where: str, raw: object) -> tuple[CriterionDraft, list[str], set[str]]:
    """The draft, the problems found, and the fields those problems make unreadable."""
    if not isinstance(raw, dict):
        return (
            CriterionDraft("", "", "", ""),
            [f"{where}: expected “name:”, “probe:” and “anchors:”."],
            set(FIELDS),
        )
    name = raw.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} (“{name.strip()}”)"
    problems = unknown_keys(where, raw, _CRITERION_KEYS)
    bad: set[str] = set()
    texts: dict[str, str] = {}
    for field in ("name", "probe"):
        value, problem = _text(raw.get(field))
        texts[field] = value
        if problem:
            problems.append(f"{where}, {field}: {problem}")
            bad.add(field)
    anchors = raw.get("anchors")
    if anchors is None:
        anchors = {}
    if not isinstance(anchors, dict):
        problems.append(f"{where}: write anchors as “1:” to “4:” lines under “anchors:”.")
        bad |= {"anchor_1", "anchor_2", "anchor_3", "anchor_4"}
        anchors = {}
    for key, value in anchors.items():
        rating = _rating(key)
        if rating is None:
            problems.append(f"{where}, anchors: {key!r} is not a rating; use 1, 2, 3 and 4.")
            continue
        field = f"anchor_{rating}"
        if field in texts:
            problems.append(f"{where}, {_FIELD_LABELS[field]}: given twice.")
            continue
        text, problem = _text(value)
        texts[field] = text
        if problem:
            problems.append(f"{where}, {_FIELD_LABELS[field]}: {problem}")
            bad.add(field)
    draft = CriterionDraft(
        name=texts["name"],
        probe=texts["probe"],
        anchor_1=texts.get("anchor_1", ""),
        anchor_4=texts.get("anchor_4", ""),
        anchor_2=texts.get("anchor_2", ""),
        anchor_3=texts.get("anchor_3", ""),
    )
    return draft, problems, bad


def _text(value: object) -> tuple[str, str | None]:
    if value is None:
        return "", None
    if isinstance(value, str):
        return value.strip(), None
    return "", "write this as text (put it in quotes if YAML reads it as something else)."


def _rating(key: object) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int) and key in SCALE:
        return key
    if isinstance(key, str) and key.strip() in ("1", "2", "3", "4"):
        return int(key.strip())
    return None
