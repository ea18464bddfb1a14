"""How each kind of outbox row becomes a Slack call, decided at delivery time from the
state as it is then, and what Slack's answer changes in our tables (the ts we keep)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.codec import CompareState, decode
from bot.domain.export import export_rows, to_csv
from bot.domain.message import Message
from bot.domain.panel import Status
from bot.domain.stats import summarize
from bot.domain.work_kinds import OutboxKind, announce_key, brief_key, summary_key
from bot.services.comparisons import CompareRequest, load_comparison
from bot.services.delivery_rows import CurrentRound, current_round
from bot.services.rendering import Renderer
from bot.services.role_data import finished_panels
from bot.services.snapshots import decision_versions
from storage import role_queries
from storage.models import Outbox, Panelist, Round, WorkState


@dataclass(frozen=True)
class Post:
    """chat.postMessage to `channel`, or to a DM with `user_id` when channel is None."""

    channel: str | None
    user_id: str | None
    message: Message
    thread_ts: str | None = None


@dataclass(frozen=True)
class Edit:
    channel: str
    ts: str
    message: Message


@dataclass(frozen=True)
class Skip:
    """No longer needed (the feedback arrived, the round was cancelled, …)."""

    reason: str


@dataclass(frozen=True)
class Wait:
    """Needs another message delivered first (an update needs the original's ts)."""

    reason: str


@dataclass(frozen=True)
class Upload:
    """files_upload_v2 to `channel`, or to a DM with `user_id` when channel is None."""

    channel: str | None
    user_id: str | None
    filename: str
    title: str
    content: bytes


@dataclass(frozen=True)
class Delete:
    """chat.delete one of the bot's own messages; one already gone counts as deleted."""

    channel: str
    ts: str


Plan = Post | Edit | Upload | Delete | Skip | Wait


def plan(
    session: Session,
    row: Outbox,
    render: Renderer,
    rounds: dict[int, CurrentRound] | None = None,
) -> Plan:
    """`render` draws the messages and pictures; `rounds`: the state of rounds read earlier
    for the same claim, by id; a round read here is added to it."""
    if row.kind == OutboxKind.POST:
        return Post(
            row.channel_id,
            row.user_id,
            Message(text=row.payload["text"], blocks=row.payload["blocks"]),
        )
    if row.kind == OutboxKind.DELETE:
        return Delete(str(row.payload["channel"]), str(row.payload["ts"]))
    if row.kind in FILE_PLANNERS:
        return FILE_PLANNERS[row.kind](session, row, render)
    rounds = {} if rounds is None else rounds
    loaded = rounds.get(row.round_id or 0)
    if loaded is None:
        loaded = current_round(session, row.team_id, row.round_id or 0)
        if loaded is None:
            return Skip("the round is gone")
        rounds[loaded.snap.id] = loaded
    return PLANNERS[row.kind](session, row, loaded, render)


# The messages whose ts `record` keeps on their round (or its panelist).
RECORDED_ON_ROUND = frozenset({OutboxKind.ANNOUNCE, OutboxKind.SUMMARY, OutboxKind.BRIEF})


def lock_recorded_round(session: Session, row: Outbox) -> None:
    """Before recording a message's ts on its round: lock the round first, as every change
    of a round does (submit, close, erase lock the round, then its outbox rows). Finishing
    the outbox row first and then updating the round took them the other way round, and a
    change at that instant deadlocked with it on PostgreSQL."""
    if row.kind in RECORDED_ON_ROUND and row.round_id is not None:
        session.execute(select(Round.id).where(Round.id == row.round_id).with_for_update())


def record(session: Session, row: Outbox, channel: str, ts: str) -> None:
    """Keep the ts Slack gave a new message, so later changes update it in place."""
    if row.kind == OutboxKind.ANNOUNCE:
        _set_round(session, row, announcement_ts=ts)
    elif row.kind == OutboxKind.SUMMARY:
        _set_round(session, row, summary_ts=ts)
    elif row.kind == OutboxKind.BRIEF:
        session.execute(
            update(Panelist)
            .where(Panelist.round_id == row.round_id, Panelist.user_id == row.user_id)
            .values(dm_channel=channel, dm_ts=ts)
        )


def recorded(current: CurrentRound, row: Outbox, channel: str, ts: str) -> CurrentRound:
    """`current`, the round's state read before `row`'s message was sent, as `record` has
    just left the round: with the message's ts (its DM's, for a brief)."""
    if row.kind == OutboxKind.BRIEF:
        user_id = row.user_id or ""
        if user_id not in current.dms:  # `record` updates only a panelist's row
            return current
        return replace(current, dms={**current.dms, user_id: (channel, ts)})
    if row.kind == OutboxKind.ANNOUNCE:
        return replace(current, snap=replace(current.snap, announcement_ts=ts))
    return replace(current, snap=replace(current.snap, summary_ts=ts))


# -- one planner per kind ----------------------------------------------------------------
def _announce(session: Session, row: Outbox, current: CurrentRound, render: Renderer) -> Plan:
    if current.snap.announcement_ts:
        return Skip("already announced")
    return Post(current.snap.channel_id, None, render.announcement(current.snap))


def _refresh_announcement(
    session: Session, row: Outbox, current: CurrentRound, render: Renderer
) -> Plan:
    if not current.snap.announcement_ts:
        return _waiting_for(session, row, announce_key(current.snap.id))
    return Edit(
        current.snap.channel_id, current.snap.announcement_ts, render.announcement(current.snap)
    )


def _brief(session: Session, row: Outbox, current: CurrentRound, render: Renderer) -> Plan:
    return Post(None, row.user_id, render.brief(current.snap, row.user_id or ""))


def _refresh_brief(session: Session, row: Outbox, current: CurrentRound, render: Renderer) -> Plan:
    user_id = row.user_id or ""
    dm_channel, dm_ts = current.dms.get(user_id, (None, None))
    if not (dm_channel and dm_ts):
        return _waiting_for(session, row, brief_key(current.snap.id, user_id))
    return Edit(dm_channel, dm_ts, render.brief(current.snap, user_id))


def _summary(session: Session, row: Outbox, current: CurrentRound, render: Renderer) -> Plan:
    if current.snap.summary_ts:
        return Skip("already posted")
    if not current.snap.announcement_ts:
        waiting = _waiting_for(session, row, announce_key(current.snap.id))
        if isinstance(waiting, Wait):
            return waiting
        # The announcement never made it: the summary stands on its own in the channel.
    return Post(
        current.snap.channel_id,
        None,
        _summary_message(current, render),
        thread_ts=current.snap.announcement_ts,
    )


def _refresh_summary(
    session: Session, row: Outbox, current: CurrentRound, render: Renderer
) -> Plan:
    if not current.snap.summary_ts:
        return _waiting_for(session, row, summary_key(current.snap.id))
    return Edit(current.snap.channel_id, current.snap.summary_ts, _summary_message(current, render))


def _nudge(session: Session, row: Outbox, current: CurrentRound, render: Renderer) -> Plan:
    user_id = row.user_id or ""
    if current.snap.status != Status.OPEN:
        return Skip(f"the round is {current.snap.status}")
    if not current.snap.has_panelist(user_id):
        return Skip("no longer on the panel")
    if current.snap.submitted(user_id):
        return Skip("feedback already given")
    if row.kind == OutboxKind.PRE_INTERVIEW:
        return Post(None, user_id, render.pre_interview_message(current.snap))
    return Post(
        None, user_id, render.nudge_message(current.snap, user_id, int(row.payload.get("n", 0)))
    )


def _decision(session: Session, row: Outbox, current: CurrentRound, render: Renderer) -> Plan:
    """A version of the decision, in the summary's thread (the announcement's, which the
    summary is in; the summary's own when the announcement never made it)."""
    versions = decision_versions(session, current.snap.team_id, current.snap.id)
    wanted = int(row.payload.get("version") or 0)
    found = [i for i, v in enumerate(versions) if v.version == wanted]
    if not found:
        return Skip("the decision is gone")
    thread = current.snap.announcement_ts or current.snap.summary_ts
    if thread is None:
        waiting = _waiting_for(session, row, summary_key(current.snap.id))
        if isinstance(waiting, Wait):
            return waiting
    i = found[0]
    previous = versions[i - 1] if i > 0 else None
    stats = summarize(current.snap.rubric, current.feedback, list(current.snap.questions))
    message = render.decision_message(current.snap, versions[i], previous, stats)
    return Post(current.snap.channel_id, None, message, thread_ts=thread)


PLANNERS: dict[OutboxKind, Callable[[Session, Outbox, CurrentRound, Renderer], Plan]] = {
    OutboxKind.ANNOUNCE: _announce,
    OutboxKind.ANNOUNCEMENT: _refresh_announcement,
    OutboxKind.BRIEF: _brief,
    OutboxKind.BRIEF_REFRESH: _refresh_brief,
    OutboxKind.SUMMARY: _summary,
    OutboxKind.SUMMARY_REFRESH: _refresh_summary,
    OutboxKind.NUDGE: _nudge,
    OutboxKind.PRE_INTERVIEW: _nudge,
    OutboxKind.DECISION: _decision,
}


def _heatmap(session: Session, row: Outbox, render: Renderer) -> Plan:
    request = CompareRequest.from_state(decode(CompareState, row.payload.get("state")))
    role = role_queries.role(session, row.team_id, request.role_id)
    if role is None:
        return Skip("the role is gone")
    comparison, _ = load_comparison(session, row.team_id, role, request)
    if not comparison.rows:
        return Skip("nobody to compare")
    return Upload(
        row.channel_id,
        None,
        "comparison.png",
        f"{role.name}: candidates × criteria",
        render.comparison_heatmap(comparison),
    )


def _export(session: Session, row: Outbox, render: Renderer) -> Plan:
    role = role_queries.role(session, row.team_id, int(row.payload.get("role_id") or 0))
    if role is None:
        return Skip("the role is gone")
    csv_text = to_csv(export_rows(finished_panels(session, row.team_id, role.id)))
    slug = "".join(ch if ch.isalnum() else "-" for ch in role.name.lower()).strip("-")
    return Upload(
        None,
        row.user_id,
        f"{slug or 'role'}-feedback.csv",
        f"{role.name}: feedback export",
        csv_text.encode(),
    )


def _validity_chart(session: Session, row: Outbox, render: Renderer) -> Plan:
    from bot.services.validity import role_validity  # the report needs scipy: only here

    role = role_queries.role(session, row.team_id, int(row.payload.get("role_id") or 0))
    if role is None:
        return Skip("the role is gone")
    found = role_validity(session, row.team_id, role)
    return Upload(
        None,
        row.user_id,
        "validity.png",
        f"{role.name}: do the ratings predict outcomes?",
        render.validity_png(role.name, found.table),
    )


FILE_PLANNERS: dict[OutboxKind, Callable[[Session, Outbox, Renderer], Plan]] = {
    OutboxKind.HEATMAP: _heatmap,
    OutboxKind.EXPORT: _export,
    OutboxKind.VALIDITY_CHART: _validity_chart,
}


# -- helpers -------------------------------------------------------------------------------
def _waiting_for(session: Session, row: Outbox, key: str) -> Plan:
    """Wait while the message this one depends on may still be delivered; skip when it
    never will be (it failed for good, or there is none)."""
    status = session.scalar(
        select(Outbox.status).where(Outbox.team_id == row.team_id, Outbox.key == key)
    )
    if status == WorkState.PENDING:
        return Wait(f"waiting for {key}")
    return Skip(f"{key} is {status or 'missing'}")


def _summary_message(current: CurrentRound, render: Renderer) -> Message:
    stats = summarize(current.snap.rubric, current.feedback, list(current.snap.questions))
    return render.summary_message(current.snap, stats, current.feedback)


def _set_round(session: Session, row: Outbox, **values: str) -> None:
    session.execute(update(Round).where(Round.id == row.round_id).values(**values))
