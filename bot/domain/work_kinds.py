"""The kinds of claimable work — outbox messages and due work — and the key each row is
stored under. A key is unique per team (`UNIQUE (team_id, key)`), so the key *is* the
exactly-once promise: the same key written twice is one row. Every key is built here, next
to its kind, so code, tests and docs never retype one. Kinds and keys are stored strings;
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


# -- a round's living messages (outbox) ---------------------------------------------------
def announce_key(round_id: int) -> str:
    return f"{OutboxKind.ANNOUNCE}:{round_id}"


def announcement_key(round_id: int) -> str:
    return f"{OutboxKind.ANNOUNCEMENT}:{round_id}"


def brief_key(round_id: int, user_id: str) -> str:
    return f"{OutboxKind.BRIEF}:{round_id}:{user_id}"


def brief_refresh_key(round_id: int, user_id: str) -> str:
    return f"{OutboxKind.BRIEF_REFRESH}:{round_id}:{user_id}"


def summary_key(round_id: int) -> str:
    return f"{OutboxKind.SUMMARY}:{round_id}"


def summary_refresh_key(round_id: int) -> str:
    return f"{OutboxKind.SUMMARY_REFRESH}:{round_id}"


def decision_key(round_id: int, version: int) -> str:
    return f"{OutboxKind.DECISION}:{round_id}:{version}"


def delete_key(channel: str, ts: str) -> str:
    return f"{OutboxKind.DELETE}:{channel}:{ts}"


# -- messages rendered when enqueued (outbox, kind POST) -----------------------------------
def not_attended_key(round_id: int, user_id: str) -> str:
    return f"not_attended:{round_id}:{user_id}"


def follow_ups_key(round_id: int) -> str:
    return f"follow_ups:{round_id}"


def undeliverable_key(outbox_id: int) -> str:
    """The organizer's note that outbox row `outbox_id` could not be delivered."""
    return f"undeliverable:{outbox_id}"


def digest_now_key(channel_id: str, request_id: str) -> str:
    """A digest asked for with `/panel digest now` (keyed by the request: a retry posts once)."""
    return f"{DueKind.DIGEST}:{channel_id}:now:{request_id}"


def check_in_ask_key(round_id: int, months: int, user_id: str) -> str:
    """The DM asking `user_id` the check-in (the organizer, or whom they named)."""
    return f"{check_in_key(round_id, months)}:{user_id}"


# -- named by their content: who asked and a digest of what it holds -----------------------
def compare_key(role_id: int, user_id: str, digest: str) -> str:
    return f"compare:{role_id}:{user_id}:{digest}"


def heatmap_key(comparison_key: str) -> str:
    """The heatmap that goes with the comparison posted under `comparison_key`."""
    return comparison_key.replace("compare:", f"{OutboxKind.HEATMAP}:", 1)


def export_key(role_id: int, user_id: str, digest: str) -> str:
    return f"{OutboxKind.EXPORT}:{role_id}:{user_id}:{digest}"


def validity_key(role_id: int, user_id: str, digest: str) -> str:
    return f"validity:{role_id}:{user_id}:{digest}"


# -- due work (an outbox row it sends has the same key) ------------------------------------
def nudge_key(round_id: int, user_id: str, number: int) -> str:
    """Regular reminder `number` of a panelist."""
    return f"{DueKind.NUDGE}:{round_id}:{user_id}:{number}"


def snooze_key(round_id: int, user_id: str, number: int) -> str:
    """The reminder after the panelist snoozed reminder `number`: a double click snoozes once."""
    return f"snooze:{round_id}:{user_id}:{number}"


def nudge_now_key(round_id: int, user_id: str, message_ts: str) -> str:
    """The organizer's "Nudge them now", keyed by the escalation message clicked."""
    return f"nudge_now:{round_id}:{user_id}:{message_ts}"


def pre_interview_key(round_id: int, user_id: str) -> str:
    return f"{DueKind.PRE_INTERVIEW}:{round_id}:{user_id}"


def escalate_key(round_id: int) -> str:
    return f"{DueKind.ESCALATE}:{round_id}"


def digest_key(channel_id: str, period: str) -> str:
    """A channel's scheduled digest of one period (a day or an ISO week)."""
    return f"{DueKind.DIGEST}:{channel_id}:{period}"


def decide_key(round_id: int, number: int) -> str:
    return f"{DueKind.DECIDE}:{round_id}:{number}"


def check_in_key(round_id: int, months: int) -> str:
    return f"{DueKind.CHECK_IN}:{round_id}:{months}"
