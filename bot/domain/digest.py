"""The hiring digest of a channel: what is in flight, what finished since the last digest,
and how the finished candidates of each role compare. Pure: no Slack, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.panel import PanelistState, RoundSnapshot, Status
from bot.domain.stats import PanelSummary
from bot.domain.timeliness import RolePace, RoundTimes, role_pace


@dataclass(frozen=True)
class InFlight:
    """An open round as the digest shows it: the panel counted, and only who is still
    missing named, so a channel's open rounds can be read without their panels and
    feedback (bot/services/digest_rows.py)."""

    id: int
    candidate_name: str
    role_name: str
    due_at: datetime
    panel_size: int  # active panelists
    missing: tuple[PanelistState, ...]  # active panelists without feedback, in panel order

    @property
    def submitted_count(self) -> int:
        return self.panel_size - len(self.missing)

    @classmethod
    def of(cls, snap: RoundSnapshot) -> InFlight:
        """What the digest shows of an open round's snapshot (focus areas are not shown)."""
        return cls(
            snap.id,
            snap.candidate_name,
            snap.role_name,
            snap.due_at,
            len(snap.panelists),
            tuple(PanelistState(p.user_id, p.name, False) for p in snap.missing),
        )


@dataclass(frozen=True)
class FinishedRound:
    round: RoundSnapshot  # status complete or closed
    summary: PanelSummary
    finished_at: datetime  # completed_at or closed_at (UTC): when the summary came
    first_decided_at: datetime | None = None  # the decision's first version


@dataclass(frozen=True)
class RoleRanking:
    role_name: str
    rounds: tuple[FinishedRound, ...]  # overall score desc, None last, ties newest first


@dataclass(frozen=True)
class Digest:
    channel_id: str
    now: datetime
    since: datetime | None  # the previous digest; None for the first
    in_flight: tuple[InFlight, ...]  # open rounds, soonest due first
    finished: tuple[FinishedRound, ...]  # finished after `since` (all if None), newest first
    rankings: tuple[RoleRanking, ...]  # every finished round in the channel, by role name
    awaiting: tuple[FinishedRound, ...] = ()  # finished without a decision, oldest first
    decided: tuple[FinishedRound, ...] = ()  # decided (or changed) since `since`, newest first
    paces: tuple[RolePace, ...] = ()  # per role: interview → summary → decision, medians

    @property
    def empty(self) -> bool:
        """Nothing in flight, nothing finished or decided since the last digest and nothing
        awaiting a decision: not posted."""
        return not (self.in_flight or self.finished or self.awaiting or self.decided)

    def late(self, snap: InFlight | RoundSnapshot) -> tuple[PanelistState, ...]:
        """The panelists still missing once the round is past due; () before that."""
        return snap.missing if self.now > snap.due_at else ()


def _rank_key(finished: FinishedRound) -> tuple[bool, float, float]:
    overall = finished.summary.overall
    return (overall is None, -(overall or 0.0), -finished.finished_at.timestamp())


def rank(rounds: Iterable[FinishedRound]) -> tuple[FinishedRound, ...]:
    """Overall score, best first; rounds nobody rated last; ties: the newest first."""
    return tuple(sorted(rounds, key=_rank_key))


def build_digest(
    channel_id: str,
    now: datetime,
    since: datetime | None,
    open_rounds: Iterable[InFlight | RoundSnapshot],
    finished: Iterable[FinishedRound],
) -> Digest:
    """Rounds in any other status are left out: in flight means open, finished means
    complete or closed (a cancelled round is neither). An InFlight is open by making."""
    in_flight = sorted(
        (
            r if isinstance(r, InFlight) else InFlight.of(r)
            for r in open_rounds
            if isinstance(r, InFlight) or r.status == Status.OPEN
        ),
        key=lambda r: (r.due_at, r.id),
    )
    done = [f for f in finished if f.round.status in Status.FINISHED]
    recent = sorted(
        (f for f in done if since is None or f.finished_at > since),
        key=lambda f: (f.finished_at, f.round.id),
        reverse=True,
    )
    by_role: dict[str, list[FinishedRound]] = {}
    for f in done:
        by_role.setdefault(f.round.role_name, []).append(f)
    rankings = tuple(
        RoleRanking(role_name=name, rounds=rank(by_role[name]))
        for name in sorted(by_role, key=lambda n: (n.casefold(), n))
    )
    awaiting = sorted(
        (f for f in done if not f.round.decision), key=lambda f: (f.finished_at, f.round.id)
    )
    decided = sorted(
        (f for f in done if f.round.decided_at and (since is None or f.round.decided_at > since)),
        key=lambda f: (f.round.decided_at or f.finished_at, f.round.id),
        reverse=True,
    )
    return Digest(
        channel_id=channel_id,
        now=now,
        since=since,
        in_flight=tuple(in_flight),
        finished=tuple(recent),
        rankings=rankings,
        awaiting=tuple(awaiting),
        decided=tuple(decided),
        paces=tuple(role_pace(_times(f) for f in done)),
    )


def _times(finished: FinishedRound) -> RoundTimes:
    r = finished.round
    return RoundTimes(r.role_name, r.interview_at, finished.finished_at, finished.first_decided_at)


def flags(summary: PanelSummary) -> list[str]:
    """Short words for what is worth a look before deciding."""
    found = []
    if summary.strong_no_from:
        found.append("Strong no")
    if summary.recommendation_disagreement:
        found.append("split recommendation")
    if summary.flagged:
        found.append("disagreement on " + ", ".join(c.name for c in summary.flagged))
    doubts = len(summary.open_questions)
    if doubts:
        found.append(f"{doubts} open round-1 doubt{'' if doubts == 1 else 's'}")
    return found
