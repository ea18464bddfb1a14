"""When Panelbot may speak: quiet hours, reminder cadence and channel digests. No Slack, no DB.

Every datetime going in or out is timezone-aware UTC; local wall time exists only inside
these functions. Local times are always built with zoneinfo and then converted, so a
"09:00" stays 09:00 on the clock across daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

QUIET_FROM = time(20, 0)
QUIET_UNTIL = time(8, 0)
SATURDAY = 5  # date.weekday(): Monday is 0, so 5 and 6 are the weekend

INTERVIEW_LENGTH = timedelta(hours=1)  # interviews are assumed to last an hour
AFTER_MAX_MINUTES = 24 * 60
EVERY_MIN_MINUTES = 60
EVERY_MAX_MINUTES = 7 * 24 * 60

DEFAULT_DIGEST_AT = time(9, 0)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# "mon" and "monday" both name day 0, and so on.
WEEKDAYS = {name.lower()[:3]: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)
}
# "weekly on Monday at 09:00" is what describe() prints, so people may type it back.
DIGEST_FILLERS = frozenset({"on", "at"})

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?", re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)

REMINDER_FORMS = (
    "Use /panel reminders on, /panel reminders off, or set the timing like "
    "/panel reminders after 2h every 1d (after: up to 24h past the interview; "
    "every: 1h to 7d past the due time)."
)
DIGEST_FORMS = (
    "Use /panel digest daily 09:00 or /panel digest weekly mon 09:00, "
    "optionally followed by a time zone like Europe/Berlin."
)


class ScheduleInputError(ValueError):
    """A command the user typed that we can't use; `message` is shown to them as-is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- time zones -------------------------------------------------------------------------


def zone(tz_name: str | None) -> ZoneInfo:
    """The named zone, or UTC when the name is missing or unknown.

    Names come from Slack profiles and old settings; a bad one must not stop a reminder.
    """
    if not tz_name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=1)
def _zone_names_by_lower() -> dict[str, str]:
    # Scanning tzdata is slow-ish, and the set never changes while we run.
    return {name.lower(): name for name in available_timezones()}


def _known_zone_name(text: str) -> str | None:
    """The canonical IANA name for what a person typed ("europe/berlin" works), else None."""
    if not text:
        return None
    try:
        return ZoneInfo(text).key
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return _zone_names_by_lower().get(text.lower())


def _utc(at: datetime) -> datetime:
    # A naive value (e.g. read back from SQLite) would otherwise be read as the server's
    # local time by astimezone(); every stored time is UTC, so say so.
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def _local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """`wall` on `day` in `tz`, as UTC. A wall time skipped by DST lands just after the gap."""
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


# --- quiet hours ------------------------------------------------------------------------


def is_quiet(at: datetime, tz_name: str | None) -> bool:
    """True from 20:00 to 08:00 local, and all weekend local: no one wants a nudge then."""
    local = _utc(at).astimezone(zone(tz_name))
    if local.weekday() >= SATURDAY:
        return True
    wall = local.time()
    return wall >= QUIET_FROM or wall < QUIET_UNTIL


def next_allowed(at: datetime, tz_name: str | None) -> datetime:
    """`at` itself when not quiet; otherwise the next 08:00 local on a weekday (Mon-Fri), as UTC."""
    at = _utc(at)
    if not is_quiet(at, tz_name):
        return at
    tz = zone(tz_name)
    local = at.astimezone(tz)
    # Before 08:00 the morning is still ahead today; after 20:00 it is tomorrow's.
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return _local_instant(day, QUIET_UNTIL, tz)


# --- reminder cadence -------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    after_interview: timedelta = timedelta(hours=1)  # first nudge this long after it ends
    every: timedelta = timedelta(days=1)  # after the due time, repeat this often
    enabled: bool = True


def first_nudge_at(interview_at: datetime, due_at: datetime, cadence: Cadence) -> datetime | None:
    """interview_at + INTERVIEW_LENGTH + after_interview, or None when that is not before due_at
    (the due-time nudge then comes first and alone)."""
    at = _utc(interview_at) + INTERVIEW_LENGTH + cadence.after_interview
    return at if at < _utc(due_at) else None


def nudge_at(
    number: int, interview_at: datetime, due_at: datetime, cadence: Cadence
) -> datetime | None:
    """Nudge `number` (1-based): 1 is first_nudge_at (may be None), 2 is due_at,
    3 and on are due_at + (number - 2) * every. None when cadence disabled.

    Quiet hours are not applied here: they depend on each recipient's zone (next_allowed).
    """
    if number < 1:
        raise ValueError(f"nudges are numbered from 1, got {number}")
    if not cadence.enabled:
        return None
    if number == 1:
        return first_nudge_at(interview_at, due_at, cadence)
    return _utc(due_at) + (number - 2) * cadence.every


# --- /panel reminders -------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderCommand:
    """show current (text empty), off, or set (also what "on" means, with defaults)."""

    action: Literal["show", "off", "set"]
    cadence: Cadence | None = None


def _duration_minutes(token: str) -> int:
    """Minutes in "30m", "2h", "1d" or "1h30m". An int, not a timedelta, so a huge number
    reaches the range check instead of overflowing timedelta."""
    match = _DURATION.fullmatch(token.lower())
    if not token or match is None:
        raise ScheduleInputError(
            f'"{token}" isn\'t a duration I know. Use minutes, hours or days, like 30m, 2h or 1d.'
        )
    days, hours, minutes = (int(part) if part else 0 for part in match.groups())
    return (days * 24 + hours) * 60 + minutes


def _after_clause(token: str) -> timedelta:
    minutes = _duration_minutes(token)
    if minutes > AFTER_MAX_MINUTES:
        raise ScheduleInputError(
            f'"after {token}" is too late. The first reminder can come at most '
            "24 hours after the interview, like after 2h."
        )
    return timedelta(minutes=minutes)


def _every_clause(token: str) -> timedelta:
    minutes = _duration_minutes(token)
    if not EVERY_MIN_MINUTES <= minutes <= EVERY_MAX_MINUTES:
        raise ScheduleInputError(
            f'"every {token}" is out of range. '
            "Reminders can repeat at most every 7 days and at least every hour."
        )
    return timedelta(minutes=minutes)


def parse_reminders(text: str) -> ReminderCommand:
    """The words after "/panel reminders": nothing, off, on, or after/every clauses."""
    words = text.split()
    if not words:
        return ReminderCommand("show")
    if len(words) == 1 and words[0].lower() == "off":
        return ReminderCommand("off")
    if len(words) == 1 and words[0].lower() == "on":
        return ReminderCommand("set", Cadence())
    if words[0].lower() in ("on", "off"):
        raise ScheduleInputError(
            f'I didn\'t expect "{words[1]}" after "{words[0]}". ' + REMINDER_FORMS
        )
    return ReminderCommand("set", _parse_clauses(words))


def _parse_clauses(words: list[str]) -> Cadence:
    # Start from the defaults so "every 12h" alone keeps the usual first nudge.
    cadence = Cadence()
    seen: set[str] = set()
    for i in range(0, len(words), 2):
        keyword = words[i].lower()
        if keyword not in ("after", "every"):
            raise ScheduleInputError(
                f'"{words[i]}" isn\'t something I understand here. ' + REMINDER_FORMS
            )
        if keyword in seen:
            raise ScheduleInputError(f'You gave "{keyword}" twice. Use it once, like {keyword} 2h.')
        seen.add(keyword)
        if i + 1 == len(words):
            raise ScheduleInputError(f'"{words[i]}" needs a duration after it, like {keyword} 2h.')
        value = words[i + 1]
        if keyword == "after":
            cadence = replace(cadence, after_interview=_after_clause(value))
        else:
            cadence = replace(cadence, every=_every_clause(value))
    return cadence


# --- /panel digest ----------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRule:
    frequency: Literal["daily", "weekly"]
    at: time
    weekday: int | None = None  # 0=Monday, only for weekly


@dataclass(frozen=True)
class DigestCommand:
    action: Literal["show", "set", "off", "now"]
    rule: DigestRule | None = None
    # An IANA name given explicitly in the command, else None (the caller uses the requester's).
    tz_name: str | None = None


def parse_digest(text: str) -> DigestCommand:
    """The words after "/panel digest": nothing, off, now, or daily/weekly with options."""
    words = text.split()
    if not words:
        return DigestCommand("show")
    first = words[0].lower()
    if first in ("off", "now"):
        if len(words) > 1:
            raise _extra_word(words[1])
        return DigestCommand("off" if first == "off" else "now")
    if first == "daily":
        return _parse_digest_rule("daily", words[1:])
    if first == "weekly":
        return _parse_digest_rule("weekly", words[1:])
    raise ScheduleInputError(
        f'"{words[0]}" isn\'t a schedule I know. Use daily or weekly, like '
        "/panel digest daily 09:00 or /panel digest weekly mon 09:00, or off or now."
    )


def _parse_digest_rule(frequency: Literal["daily", "weekly"], words: list[str]) -> DigestCommand:
    """Day, time and zone may come in any order; each may be given once."""
    weekday: int | None = None
    at: time | None = None
    tz_name: str | None = None
    for word in words:
        lowered = word.lower()
        if lowered in DIGEST_FILLERS:
            continue
        if lowered in WEEKDAYS:
            if frequency == "daily":
                raise ScheduleInputError(
                    f'Daily digests go out every day, so "{word}" doesn\'t fit. '
                    f"For one day a week, use /panel digest weekly {lowered} 09:00."
                )
            if weekday is not None:
                raise _extra_word(word)
            weekday = WEEKDAYS[lowered]
        elif word[0].isdigit():
            if at is not None:
                raise _extra_word(word)
            at = _parse_clock(word)
        elif (known := _known_zone_name(word.strip("()"))) is not None:
            if tz_name is not None:
                raise _extra_word(word)
            tz_name = known
        elif frequency == "weekly" and weekday is None and at is None and "/" not in word:
            # Where the day goes, and not a zone: most likely a misspelt day.
            raise ScheduleInputError(
                f'"{word}" isn\'t a day of the week. Use mon, tue, wed, thu, fri, sat or sun, '
                "like /panel digest weekly mon 09:00."
            )
        elif tz_name is not None:
            raise _extra_word(word)
        else:
            raise ScheduleInputError(
                f'"{word}" isn\'t a time zone I know. Use an IANA name like Europe/Berlin '
                "or America/New_York, or leave it out to use your own."
            )
    if frequency == "weekly" and weekday is None:
        weekday = 0
    rule = DigestRule(frequency, at or DEFAULT_DIGEST_AT, weekday)
    return DigestCommand("set", rule, tz_name)


def _parse_clock(word: str) -> time:
    """24-hour "HH:MM" or "H:MM"; anything else is refused rather than guessed at."""
    match = _CLOCK.fullmatch(word)
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ScheduleInputError(
        f'"{word}" isn\'t a time of day. Use 24-hour HH:MM, like 09:00 or 17:30.'
    )


def _extra_word(word: str) -> ScheduleInputError:
    return ScheduleInputError(f'I didn\'t expect "{word}" there. ' + DIGEST_FORMS)


def _rule_weekday(rule: DigestRule) -> int:
    # A weekly rule saved without a day means Monday, as "weekly" alone does.
    return rule.weekday if rule.weekday is not None else 0


def next_digest_at(rule: DigestRule, tz_name: str | None, after: datetime) -> datetime:
    """The first scheduled local time strictly after `after`, as UTC (DST-correct: 09:00 local
    stays 09:00 local across the change)."""
    after = _utc(after)
    tz = zone(tz_name)
    start = after.astimezone(tz).date()
    # Today's slot may have passed; a weekly slot is at most 7 days past that.
    for offset in range(9):
        day = start + timedelta(days=offset)
        if rule.frequency == "weekly" and day.weekday() != _rule_weekday(rule):
            continue
        candidate = _local_instant(day, rule.at, tz)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: every week has each weekday")


def digest_period(rule: DigestRule, tz_name: str | None, at: datetime) -> str:
    """A key naming the period a digest at `at` belongs to: daily "2026-11-27" (local date),
    weekly "2026-W48" (ISO year-week, local). Lets the sender skip a period already posted."""
    local = _utc(at).astimezone(zone(tz_name))
    if rule.frequency == "daily":
        return local.date().isoformat()
    iso = local.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def describe(rule: DigestRule, tz_name: str | None) -> str:
    """ "daily at 09:00 (Europe/Berlin)", "weekly on Monday at 09:00 (UTC)"."""
    when = f"at {rule.at:%H:%M} ({zone(tz_name).key})"
    if rule.frequency == "daily":
        return f"daily {when}"
    return f"weekly on {WEEKDAY_NAMES[_rule_weekday(rule)]} {when}"
