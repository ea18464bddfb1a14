"""The kinds of claimable work: outbox messages and due work. Kinds are stored strings:
changing one here strands the rows already written under the old spelling."""

from __future__ import annotations

from enum import StrEnum


class OutboxKind(StrEnum):
    """Outbox row kinds; bot/services/deliveries.py renders each one."""

    ANNOUNCE = "announce"  # post the announcement in the hiring channel
    ANNOUNCEMENT = "announcement"  # bring it up to date (chat.update)
    BRIEF = "brief"  # DM a panelist their brief
    BRIEF_REFRESH = "brief_refresh"
    SUMMARY = "summary"  # post the summary under the announcement
    SUMMARY_REFRESH = "summary_refresh"
    NUDGE = "nudge"  # DM a panelist who still owes feedback
    PRE_INTERVIEW = "pre_interview"  # DM a panelist 30 minutes before
    POST = "post"  # a message rendered when it was enqueued (digests, notices)
    HEATMAP = "heatmap"  # upload a comparison's heatmap to the hiring channel
    EXPORT = "export"  # upload a role's CSV export to the requester's DM
    VALIDITY_CHART = "validity_chart"  # upload a role's validity chart to the requester's DM
    DELETE = "delete"  # chat.delete one of the bot's messages (erasing a candidate)
    DECISION = "decision"  # post a version of the decision in the summary's thread


class DueKind(StrEnum):
    """Due work kinds; bot/services/due_work.py handles each one."""

    NUDGE = "nudge"  # remind a panelist who owes feedback (also snoozes, "Nudge them now")
    PRE_INTERVIEW = "pre_interview"
    ESCALATE = "escalate"  # tell the organizer who is late, at the due time
    DIGEST = "digest"
    DECIDE = "decide"  # nudge the organizer of a finished round without a decision
    CHECK_IN = "check_in"  # ask how a hire is doing, 6 and 12 months after the start
