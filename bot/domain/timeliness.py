"""How promptly the work after an interview gets done: each interviewer's feedback, and each
role's way from the interview to the summary and from the summary to the decision. Medians,
so one forgotten round does not hide a team's usual pace. Pure: no Slack, no database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from bot.domain.schedule import INTERVIEW_LENGTH


@dataclass(frozen=True)
class Submission:
    """One panelist's first submission on a finished round."""

    user_id: str
    interview_at: datetime
    due_at: datetime
    submitted_at: datetime


@dataclass(frozen=True)
class Timeliness:
    user_id: str
    submissions: int
    # Median time from the interview's end (an hour after it starts) to their submission.
    median_after_interview: timedelta | None
    late_share: float | None  # share submitted after the due time


def interviewer_timeliness(submissions: Iterable[Submission]) -> dict[str, Timeliness]:
    delays: dict[str, list[float]] = defaultdict(list)
    late: dict[str, int] = defaultdict(int)
    for s in submissions:
        ended = s.interview_at + INTERVIEW_LENGTH
        delays[s.user_id].append((s.submitted_at - ended).total_seconds())
        late[s.user_id] += s.submitted_at > s.due_at
    return {
        user: Timeliness(
            user_id=user,
            submissions=len(seconds),
            median_after_interview=timedelta(seconds=median(seconds)),
            late_share=late[user] / len(seconds),
        )
        for user, seconds in delays.items()
    }


@dataclass(frozen=True)
class RoundTimes:
    role_name: str
    interview_at: datetime
    summary_at: datetime  # when the panel completed (or was closed)
    decided_at: datetime | None  # the first version of the decision


@dataclass(frozen=True)
class RolePace:
    role_name: str
    rounds: int
    to_summary: timedelta  # median, interview → summary
    decided: int
    to_decision: timedelta | None  # median, summary → first decision, of decided rounds


def role_pace(rounds: Iterable[RoundTimes]) -> list[RolePace]:
    """Per role (in name order), the medians of its finished rounds."""
    by_role: dict[str, list[RoundTimes]] = defaultdict(list)
    for r in rounds:
        by_role[r.role_name].append(r)
    paces = []
    for name in sorted(by_role, key=lambda n: (n.casefold(), n)):
        times = by_role[name]
        to_summary = [(r.summary_at - r.interview_at).total_seconds() for r in times]
        to_decision = [(r.decided_at - r.summary_at).total_seconds() for r in times if r.decided_at]
        paces.append(
            RolePace(
                role_name=name,
                rounds=len(times),
                to_summary=timedelta(seconds=median(to_summary)),
                decided=len(to_decision),
                to_decision=timedelta(seconds=median(to_decision)) if to_decision else None,
            )
        )
    return paces


def duration_text(value: timedelta | None) -> str:
    """ "45 min", "5 h", "1.5 d"; "—" for none; a negative time (submitted before the
    interview's assumed end) reads as "0 min"."""
    if value is None:
        return "—"
    minutes = max(value.total_seconds() / 60, 0)
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / (24 * 60):.1f} d"
