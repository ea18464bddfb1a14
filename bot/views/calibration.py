"""How each interviewer rates compared with the rest of their panels, and how much each
role's panels agree.

One table of at most 99 interviewers (Slack's table holds 100 rows with the header); they
are sorted furthest from their panels first, so the ones left out when there are more are
the least lenient or strict, and the message says how many are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, RawTextObject, TableBlock

from bot.domain.calibration import MIN_ROUNDS, Interviewer
from bot.domain.evidence import NudgeCounts
from bot.domain.message import Message
from bot.domain.timeliness import Timeliness, duration_text
from bot.text import escape, truncate
from bot.views.common import context, header, md, message
from bot.views.comparison import (
    NO_SCORE,
    ROWS_PER_PAGE,
    TEXT_BUDGET,
    agreement_reading,
    fit,
    pack,
    plural,
)

INTERVIEWERS_SHOWN = ROWS_PER_PAGE  # + the header row = Slack's 100-row table limit
ROLE_NAME_SHOWN = 60
EXPLANATION = (
    "Leniency: the mean of an interviewer's ratings minus the other panelists' mean on the "
    "same candidates and criteria. Calibrated comparisons adjust ratings of interviewers "
    f"with {MIN_ROUNDS}+ rounds. Notes pointed out: evidence notes the evidence rules "
    "pointed out, of the criteria rated; kept: submitted again as written. Feedback: the "
    "median time from the interview's end to their submission; late: the share submitted "
    "after the due time."
)


@dataclass(frozen=True)
class _Level:
    name_max: int  # characters of an interviewer's name in the table
    roles_shown: int  # agreement lines


# Tried in order until the message fits TEXT_BUDGET.
_LEVELS = (_Level(40, 20), _Level(28, 12), _Level(20, 8), _Level(14, 5))


def leniency_text(leniency: float | None) -> str:
    if leniency is None:
        return NO_SCORE
    if round(leniency, 2) == 0:
        return "0.00"
    if leniency > 0:
        return f"+{leniency:.2f} lenient"
    return f"−{-leniency:.2f} strict"


def _sort_key(interviewer: Interviewer) -> tuple[bool, float, int, str]:
    return (
        interviewer.leniency is None,
        -abs(interviewer.leniency or 0.0),
        -interviewer.rounds,
        interviewer.user_id,
    )


def _calibrated_text(interviewer: Interviewer) -> str:
    if interviewer.calibrated:
        return "yes"
    if interviewer.rounds < MIN_ROUNDS:
        return f"needs {MIN_ROUNDS} rounds"
    return "no shared ratings yet"


def nudges_text(counts: NudgeCounts | None) -> str:
    if counts is None or not counts.notes:
        return NO_SCORE
    text = f"{counts.flagged} of {counts.notes}"
    return f"{text}, {counts.kept} kept" if counts.flagged else text


def calibration_message(
    interviewers: Sequence[Interviewer],
    names: Mapping[str, str],
    agreement_by_role: Mapping[str, float | None],
    nudges: Mapping[str, NudgeCounts] | None = None,
    timeliness: Mapping[str, Timeliness] | None = None,
) -> Message:
    """`names`: user id → display name (the user id is shown when missing).
    `agreement_by_role`: role name → Krippendorff's alpha, shown in the order given.
    `nudges`: user id → their evidence notes and how many the rules pointed out.
    `timeliness`: user id → how promptly they submit (— where unknown)."""
    ordered = sorted(interviewers, key=_sort_key)

    def render(level: _Level) -> list[Block]:
        return _blocks(ordered, names, agreement_by_role, nudges or {}, timeliness or {}, level)

    blocks = fit(render, _LEVELS, TEXT_BUDGET)
    calibrated = sum(1 for i in interviewers if i.calibrated)
    text = (
        f"Interviewer calibration: {plural(len(interviewers), 'interviewer')}, "
        f"{calibrated} calibrated"
    )
    return message(text, blocks)


def _blocks(
    ordered: Sequence[Interviewer],
    names: Mapping[str, str],
    agreement_by_role: Mapping[str, float | None],
    nudges: Mapping[str, NudgeCounts],
    timeliness: Mapping[str, Timeliness],
    level: _Level,
) -> list[Block]:
    blocks: list[Block] = [header("Interviewer calibration"), context(EXPLANATION)]
    if ordered:
        shown = ordered[:INTERVIEWERS_SHOWN]
        blocks.append(_table(shown, names, nudges, timeliness, level.name_max))
        hidden = len(ordered) - len(shown)
        if hidden:
            blocks.append(
                context(
                    f"Showing the {len(shown)} interviewers furthest from their panels; "
                    f"{hidden} more, closer to their panels, are not shown."
                )
            )
    else:
        blocks.append(md("No interviewer has rated a finished round yet."))
    blocks += [md(t) for t in _agreement_texts(agreement_by_role, level.roles_shown)]
    return blocks


def _table(
    shown: Sequence[Interviewer],
    names: Mapping[str, str],
    nudges: Mapping[str, NudgeCounts],
    timeliness: Mapping[str, Timeliness],
    name_max: int,
) -> TableBlock:
    head = [
        "Interviewer",
        "Rounds",
        "Leniency",
        "Disagrees with panel",
        "Calibrated?",
        "Notes pointed out",
        "Feedback (median)",
        "Late",
    ]
    rows = [head]
    for i in shown:
        name = (names.get(i.user_id) or "").strip() or i.user_id
        rate = NO_SCORE if i.disagreement_rate is None else f"{i.disagreement_rate:.0%}"
        t = timeliness.get(i.user_id)
        late = NO_SCORE if t is None or t.late_share is None else f"{t.late_share:.0%}"
        rows.append(
            [
                truncate(name, name_max),
                str(i.rounds),
                leniency_text(i.leniency),
                rate,
                _calibrated_text(i),
                nudges_text(nudges.get(i.user_id)),
                duration_text(t.median_after_interview) if t else NO_SCORE,
                late,
            ]
        )
    right = {"align": "right"}
    return TableBlock(
        rows=[[RawTextObject(text=cell) for cell in row] for row in rows],
        column_settings=[
            {"is_wrapped": True},
            right,
            right,
            right,
            {"is_wrapped": False},
            {"is_wrapped": True},
            right,
            right,
        ],
    )


def _agreement_texts(agreement_by_role: Mapping[str, float | None], shown: int) -> list[str]:
    if not agreement_by_role:
        return []
    items = list(agreement_by_role.items())
    lines = [
        f"• *{escape(truncate(role, ROLE_NAME_SHOWN))}* — {escape(agreement_reading(alpha))}"
        for role, alpha in items[:shown]
    ]
    hidden = len(items) - len(lines)
    tail = f"…and {plural(hidden, 'more role')}" if hidden > 0 else None
    return pack("*Panel agreement by role* (Krippendorff's α, ordinal)", lines, tail)
