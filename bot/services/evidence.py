"""Evidence nudges at submission, and a workspace's evidence rules as a YAML file
(`panelbot evidence-rules export|import`).

A note the rules point out is answered in the modal, never blocking twice:

- The first submission with such a note is stopped, with what was found and why at that
  note's field. What was shown is recorded per (criterion, rule) with a keyed hash of the
  note and the modal's view id: never the note itself. (Slack keeps a modal's
  private_metadata as it was when an errors answer comes back, so the memory of a nudge has
  to live here.)
- The next submission of that modal goes through, whatever it says: the panelist has read
  the nudge. A new modal (say, opened again from the DM) goes through with a note already
  pointed out (the same hash) and with a note already saved in their feedback; only a newly
  written note that the rules point out is shown, once.
- When a submission goes through, every nudge still waiting on that round is answered:
  `kept` when the note submitted is the one pointed out, `edited` otherwise. The hash and
  the view id are cleared then: what stays is a count (criterion, rule, outcome).

A replayed first submission (the same request twice) looks like a second one and goes
through: the panelist may then not have seen the nudge. Slack does not resend modal
submissions; a double-click reaches the bot once, because Slack disables the button.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.evidence import (
    EvidenceRules,
    NudgeOutcome,
    check_feedback,
    note_digest,
    nudge_errors,
)
from bot.domain.evidence_yaml import (
    default_rules,
    default_rules_text,
    dump_evidence_rules,
    load_evidence_rules,
)
from bot.domain.feedback import FeedbackDraft
from bot.domain.rubric import Rubric
from bot.services.context import Resources
from storage import evidence_queries
from storage.models import EvidenceFlag, Round


def rules_for(session: Session, team_id: str) -> EvidenceRules:
    """The workspace's own rules, or the shipped defaults."""
    data = evidence_queries.workspace_rules(session, team_id)
    return EvidenceRules.from_data(data) if data is not None else default_rules()


def nudge(
    session: Session,
    rnd: Round,
    user_id: str,
    view_id: str,
    rubric: Rubric,
    draft: FeedbackDraft,
    saved: FeedbackDraft | None,
    *,
    key: bytes,
    now: datetime,
) -> dict[str, str]:
    """The inline errors to answer this submission with, or {} when it goes through (and
    then every waiting nudge of this panelist on this round is answered). The round row
    must be locked: two submissions of one panelist then run one after the other."""
    pending = evidence_queries.pending_flags(session, rnd.id, user_id)
    notes = {r.criterion_key: r.evidence for r in draft.ratings}

    def digest(criterion_key: str) -> str:
        return note_digest(key, rnd.id, user_id, criterion_key, notes.get(criterion_key, ""))

    answering = any(p.view_id == view_id for p in pending)  # this modal's nudge was shown
    if not answering:
        shown = {(p.criterion_key, p.note_hash) for p in pending}
        found = {
            criterion_key: findings
            for criterion_key, findings in check_feedback(
                rules_for(session, rnd.team_id), draft
            ).items()
            if not _already_saved(saved, criterion_key, notes[criterion_key])
            and (criterion_key, digest(criterion_key)) not in shown
        }
        if found:
            session.add_all(
                EvidenceFlag(
                    team_id=rnd.team_id,
                    round_id=rnd.id,
                    user_id=user_id,
                    criterion_key=criterion_key,
                    rule=finding.rule,
                    note_hash=digest(criterion_key),
                    view_id=view_id,
                    shown_at=now,
                )
                for criterion_key, findings in found.items()
                for finding in findings
            )
            return nudge_errors(rubric, draft, found)
    for flag in pending:
        kept = flag.note_hash == digest(flag.criterion_key)
        flag.outcome = NudgeOutcome.KEPT if kept else NudgeOutcome.EDITED
        flag.note_hash = flag.view_id = None
        flag.resolved_at = now
    return {}


def _already_saved(saved: FeedbackDraft | None, criterion_key: str, note: str) -> bool:
    """The note is in the feedback they already submitted: pointed out (and kept) before,
    or written before these rules; an edit of other answers doesn't raise it again."""
    given = saved.rating_for(criterion_key) if saved is not None else None
    return given is not None and given.evidence == note


class EvidenceService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def export_yaml(self, team_id: str) -> str:
        """The workspace's rules; the shipped file as written (comments and all) when it has
        none of its own."""
        with self.resources.db.read() as session:
            data = evidence_queries.workspace_rules(session, team_id)
        if data is None:
            return default_rules_text()
        return dump_evidence_rules(EvidenceRules.from_data(data))

    def import_yaml(self, team_id: str, text: str, by: str) -> EvidenceRules:
        """Replaces the workspace's rules with the file's, checked as a whole first."""
        rules = load_evidence_rules(text)
        with self.resources.db.transaction() as session:
            evidence_queries.save_workspace_rules(
                session, team_id, rules.to_data(), by, self.resources.now()
            )
        return rules
