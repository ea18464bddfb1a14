"""Use cases of the panelist (give, edit feedback) and of the hiring channel (read notes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import rules
from bot.domain.feedback import (
    FeedbackDraft,
    PanelistFeedback,
    draft_from_data,
    draft_to_data,
    kept_for,
)
from bot.domain.panel import RoundSnapshot, Status
from bot.errors import InvalidInput, NotAllowed, NotFound, RoundNotOpen
from bot.services import snapshot_rows
from bot.services.context import Resources
from bot.services.evidence import nudge
from bot.services.lifecycle import complete_if_all_in, find_round
from bot.services.outbox import OutboxWriter
from bot.services.rounds import Changed
from bot.services.snapshots import snapshot, snapshot_with_feedback
from storage import queries
from storage.feedback_rows import save_feedback
from storage.models import Feedback, Round

NOT_ON_PANEL = "Only this round's panelists can give feedback on it, and you're not on the panel."


@dataclass(frozen=True)
class Submitted(Changed):
    changed: bool = True  # False when the same answers arrived again (a retry)
    revision: int = 1


class FeedbackService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def start(
        self, team_id: str, user_id: str, round_id: int
    ) -> tuple[RoundSnapshot, FeedbackDraft | None]:
        """What the feedback modal needs; refuses anyone who is not on the panel."""
        # Plain rows through statements built once: the click that opens the modal is one
        # of the commonest requests, and the ORM's loading was a third of its CPU.
        with self.resources.db.read() as session:
            found = snapshot_rows.snapshots_with_feedback(
                session, queries.ONE_ROUND, {"round_id": round_id, "team_id": team_id}
            )
        if not found:
            raise NotFound()
        snap = found[0].snapshot
        _may_give_feedback(snap.has_panelist(user_id), snap.status)
        return snap, next((f.draft for f in found[0].feedback if f.user_id == user_id), None)

    def submit(
        self,
        team_id: str,
        user_id: str,
        round_id: int,
        form: FeedbackDraft,
        view_id: str = "",
    ) -> Submitted:
        """Store the panelist's feedback: `form`, the modal read back, for the round's
        criteria and questions. `view_id` is the modal's: after an evidence nudge
        (InvalidInput, raised once what was shown is recorded) that modal's next submission
        goes through (bot/services/evidence.py)."""
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            # The round row is locked first: two last submissions then run one after the
            # other, and only the second one sees the panel complete.
            rnd = _panel_round(session, team_id, user_id, round_id, lock=True)
            # The feedback rows read once, under the lock: who has submitted (the snapshots
            # before and after, completion) and this panelist's own.
            given = {f.user_id: f for f in queries.feedback_for_round(session, team_id, round_id)}
            before = snapshot(None, rnd, set(given))
            criteria = [c.key for c in before.rubric.criteria]
            draft = kept_for(form, criteria, [q for q, _ in before.questions])
            errors = rules.feedback_errors(
                before.rubric,
                [q for q, _ in before.questions],
                draft,
                required=before.focus_of(user_id),
            )
            if errors:
                raise InvalidInput(errors)
            mine = given.get(user_id)
            saved = draft_from_data(mine.answers) if mine is not None else None
            nudged = nudge(
                session,
                rnd,
                user_id,
                view_id,
                before.rubric,
                draft,
                saved,
                key=self.resources.note_key,
                now=now,
            )
            if not nudged:
                return _save(session, rnd, before, user_id, mine, draft, now, set(given))
        # Raised after the commit: what was shown is kept, and answers the next submission.
        raise InvalidInput(nudged)

    def notes(
        self, team_id: str, user_id: str, round_id: int
    ) -> tuple[RoundSnapshot, list[PanelistFeedback]]:
        """Every panelist's evidence, for members of the hiring channel once the panel is done."""
        with self.resources.db.read() as session:
            rnd = find_round(session, team_id, round_id, lock=False)
            snap, feedback = snapshot_with_feedback(session, rnd)
            if snap.sealed:
                raise NotAllowed("Notes stay sealed until the whole panel has submitted.")
        if not self.resources.slack.is_channel_member(team_id, snap.channel_id, user_id):
            raise NotAllowed(
                f"Only members of <#{snap.channel_id}>, the hiring channel, can read the notes."
            )
        return snap, feedback


def _panel_round(
    session: Session, team_id: str, user_id: str, round_id: int, *, lock: bool
) -> Round:
    rnd = find_round(session, team_id, round_id, lock=lock)
    _may_give_feedback(any(p.user_id == user_id and p.active for p in rnd.panelists), rnd.status)
    return rnd


def _may_give_feedback(on_panel: bool, status: str) -> None:
    if not on_panel:
        raise NotAllowed(NOT_ON_PANEL)
    if status not in Status.ACCEPTING_FEEDBACK:
        raise RoundNotOpen(f"This round is {status}; feedback can no longer change.")


def _save(
    session: Session,
    rnd: Round,
    before: RoundSnapshot,
    user_id: str,
    mine: Feedback | None,
    draft: FeedbackDraft,
    now: datetime,
    submitted: set[str],
) -> Submitted:
    data = draft_to_data(draft)
    if mine is not None and mine.answers == data:
        return Submitted(before, changed=False, revision=mine.revision)
    revision = save_feedback(
        session,
        rnd.team_id,
        rnd.id,
        user_id,
        mine,
        data,
        draft.recommendation,
        [(r.criterion_key, r.rating) for r in draft.ratings],
        now,
    )
    submitted = {*submitted, user_id}
    claimed = complete_if_all_in(session, rnd, now, submitted)
    after = snapshot(None, rnd, submitted)
    OutboxWriter(session, rnd.team_id, now).round_changed(
        after, summary_claimed=claimed, briefs_of=[user_id]
    )
    return Submitted(after, summary_claimed=claimed, revision=revision)
