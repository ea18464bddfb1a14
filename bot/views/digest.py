"""The hiring digest posted to a channel: in flight, finished since the last digest, and a
ranking per role. It fits any number of rounds: lines are packed into sections, and what
does not fit is counted ("…and N more rounds"), never dropped silently."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from bot.domain.decision import outcome_label
from bot.domain.digest import Digest, FinishedRound, InFlight, RoleRanking, flags
from bot.domain.message import Message
from bot.domain.timeliness import RolePace, duration_text
from bot.text import date_token, escape, mention, truncate
from bot.views.common import MESSAGE_BLOCKS_MAX, context, header, md, message, pack_sections

# Slack also rejects a message whose blocks hold too much text in total
# (msg_blocks_too_long, undocumented, reported near 12,000 characters): stay well below.
DIGEST_TEXT_BUDGET = 9000
# A line is short by construction; this only guards a section against a freak line.
LINE_MAX = 2000
NAMES_SHOWN = 6
DISPLAY_NAME_MAX = 40
RANKED_PER_ROLE = 10
NO_SCORE = "—"


@dataclass(frozen=True)
class Line:
    """One line of a section and how many rounds it stands for (0 for a heading)."""

    text: str
    rounds: int = 1


def more_rounds(count: int) -> str:
    return f"…and {count} more round{'' if count == 1 else 's'}"


def name_list(items: list[str], shown: int = NAMES_SHOWN) -> str:
    """Items already formatted (escaped or mentions); never cut silently."""
    if len(items) <= shown:
        return ", ".join(items)
    return ", ".join(items[:shown]) + f" and {len(items) - shown} more"


def _layout(title: str, lines: list[Line], tail: str | None) -> list[str]:
    return pack_sections(title, [truncate(line.text, LINE_MAX) for line in lines], tail)


def pack_lines(
    title: str,
    lines: list[Line],
    *,
    max_chars: int | None = None,
    max_blocks: int = MESSAGE_BLOCKS_MAX,
) -> list[str]:
    """Section texts (each ≤ SECTION_TEXT_MAX) showing as many lines as fit in `max_blocks`
    sections and `max_chars` characters; the rest is counted in a closing "…and N more"."""

    def fits(chunks: list[str]) -> bool:
        size = sum(len(c) for c in chunks)
        return len(chunks) <= max_blocks and (max_chars is None or size <= max_chars)

    def shown(count: int) -> list[str]:
        head = lines[:count]
        while head and head[-1].rounds == 0:  # never end on a bare heading
            head = head[:-1]
        hidden = sum(line.rounds for line in lines[len(head) :])
        return _layout(title, head, more_rounds(hidden) if hidden else None)

    everything = shown(len(lines))
    if fits(everything):
        return everything
    low, high = 0, len(lines) - 1  # shown(low) is assumed to fit; find the largest that does
    while low < high:
        mid = (low + high + 1) // 2
        if fits(shown(mid)):
            low = mid
        else:
            high = mid - 1
    return shown(low)


def _share(needs: list[int], total: int) -> list[int]:
    """Split `total` between parts that need `needs`: small needs are met in full, what
    they leave over goes to the larger ones in equal shares."""
    given = [0] * len(needs)
    left = total
    order = sorted(range(len(needs)), key=lambda i: needs[i])
    for n, i in enumerate(order):
        given[i] = min(needs[i], left // (len(needs) - n))
        left -= given[i]
    return given


def _in_flight_line(digest: Digest, snap: InFlight) -> Line:
    parts = [
        f"• *{escape(snap.candidate_name)}*",
        escape(snap.role_name),
        f"{snap.submitted_count} of {snap.panel_size} submitted",
        f"due {date_token(snap.due_at)}",
    ]
    late = digest.late(snap)
    if late:
        parts.append(":warning: late: " + name_list([mention(p.user_id) for p in late]))
    elif snap.missing:
        names = [escape(truncate(p.name, DISPLAY_NAME_MAX)) for p in snap.missing]
        parts.append("waiting for " + name_list(names))
    return Line(" · ".join(parts))


def score(value: float | None) -> str:
    return NO_SCORE if value is None else f"{value:.1f}"


def _finished_line(finished: FinishedRound) -> Line:
    r = finished.round
    parts = [
        f"• *{escape(r.candidate_name)}*",
        escape(r.role_name),
        f"overall {score(finished.summary.overall)}",
    ]
    notable = flags(finished.summary)
    if notable:
        parts.append(":warning: " + escape("; ".join(notable)))
    text = " · ".join(parts)
    if r.partial:
        text += " (closed early, partial)"
    return Line(text)


def _awaiting_line(finished: FinishedRound) -> Line:
    r = finished.round
    return Line(
        f"• *{escape(r.candidate_name)}* · {escape(r.role_name)} · overall "
        f"{score(finished.summary.overall)} · finished {date_token(finished.finished_at)} · "
        f"organizer {mention(r.organizer_id)}"
    )


def _decided_line(finished: FinishedRound) -> Line:
    r = finished.round
    when = f" · {date_token(r.decided_at)}" if r.decided_at else ""
    return Line(
        f"• *{escape(r.candidate_name)}* · {escape(r.role_name)} · "
        f"*{escape(outcome_label(r.decision))}*{when}"
    )


def _pace_line(pace: RolePace) -> Line:
    decided = (
        f"summary → decision {duration_text(pace.to_decision)} ({pace.decided} decided)"
        if pace.decided
        else "no decision yet"
    )
    rounds = f"{pace.rounds} round{'' if pace.rounds == 1 else 's'}"
    return Line(
        f"• *{escape(pace.role_name)}* — interview → summary {duration_text(pace.to_summary)} "
        f"({rounds}) · {decided}",
        rounds=pace.rounds,
    )


def _ranking_lines(role: RoleRanking) -> list[Line]:
    lines = [Line(f"*{escape(role.role_name)}*", rounds=0)]
    for place, f in enumerate(role.rounds[:RANKED_PER_ROLE], start=1):
        partial = " (partial)" if f.round.partial else ""
        lines.append(
            Line(f"{place}. {escape(f.round.candidate_name)} — {score(f.summary.overall)}{partial}")
        )
    hidden = len(role.rounds) - RANKED_PER_ROLE
    if hidden > 0:
        lines.append(Line(f"   {more_rounds(hidden)} for this role", rounds=hidden))
    return lines


def digest_message(digest: Digest) -> Message:
    period = f"Since {date_token(digest.since)}" if digest.since else "First digest"
    blocks: list[Block] = [header("Hiring digest"), context(period)]
    finished_title = "*Finished since last digest*" if digest.since else "*Finished*"
    parts: list[tuple[str, list[Line], str]] = [
        (
            "*In flight*",
            [_in_flight_line(digest, r) for r in digest.in_flight],
            "Nothing in flight.",
        ),
        (finished_title, [_finished_line(f) for f in digest.finished], "Nothing finished."),
    ]
    if digest.awaiting:
        parts.append(("*Awaiting a decision*", [_awaiting_line(f) for f in digest.awaiting], ""))
    if digest.decided:
        decided_title = "*Decided since last digest*" if digest.since else "*Decided*"
        parts.append((decided_title, [_decided_line(f) for f in digest.decided], ""))
    if digest.rankings:
        lines = [line for role in digest.rankings for line in _ranking_lines(role)]
        parts.append(("*Ranking by role*", lines, ""))
    if digest.paces:
        parts.append(("*Pace by role* (medians)", [_pace_line(p) for p in digest.paces], ""))
    fixed = sum(len(t) for t in ("Hiring digest", period))
    full = [
        _layout(title, lines, None) if lines else [f"{title}\n{nothing}"]
        for title, lines, nothing in parts
    ]
    char_budget = _share(
        [sum(len(c) for c in chunks) for chunks in full], DIGEST_TEXT_BUDGET - fixed
    )
    block_budget = _share([len(chunks) for chunks in full], MESSAGE_BLOCKS_MAX - len(blocks))
    for (title, lines, _), chunks, chars, count in zip(
        parts, full, char_budget, block_budget, strict=True
    ):
        texts = pack_lines(title, lines, max_chars=chars, max_blocks=count) if lines else chunks
        blocks += [md(text) for text in texts]
    late = sum(1 for r in digest.in_flight if digest.late(r))
    in_flight, finished = len(digest.in_flight), len(digest.finished)
    text = f"Hiring digest: {in_flight} in flight ({late} late), {finished} finished"
    return message(text, blocks)
