"""Quiet hours, reminder cadence and digest schedules: pure time arithmetic, no Slack, no DB."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.schedule import (
    INTERVIEW_LENGTH,
    Cadence,
    DigestCommand,
    DigestRule,
    ReminderCommand,
    ScheduleInputError,
    describe,
    digest_period,
    first_nudge_at,
    is_quiet,
    next_allowed,
    next_digest_at,
    nudge_at,
    parse_digest,
    parse_reminders,
    zone,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"


def local(
    tz_name: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    """A wall-clock time in tz_name, returned as UTC like everything the module receives."""
    wall = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz_name))
    return wall.astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def offset_in(at: datetime, tz_name: str) -> timedelta | None:
    return at.astimezone(ZoneInfo(tz_name)).utcoffset()


# --- zones ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [None, "", "Nope/Zone", "europe/berlin", "../etc/passwd", "x\0"])
def test_zone_falls_back_to_utc(name: str | None) -> None:
    assert zone(name).key == "UTC"


def test_zone_known_name() -> None:
    assert zone(BERLIN).key == BERLIN


# --- quiet hours ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz_name", "wall", "quiet"),
    [
        # Tuesday 2026-11-24 in every zone: evenings and nights quiet, daytime not.
        (BERLIN, (2026, 11, 24, 7, 59), True),
        (BERLIN, (2026, 11, 24, 8, 0), False),
        (BERLIN, (2026, 11, 24, 19, 59), False),
        (BERLIN, (2026, 11, 24, 20, 0), True),
        (BERLIN, (2026, 11, 24, 23, 30), True),
        (BERLIN, (2026, 11, 24, 3, 0), True),
        (NEW_YORK, (2026, 11, 24, 8, 0), False),
        (NEW_YORK, (2026, 11, 24, 20, 0), True),
        (TOKYO, (2026, 11, 24, 12, 0), False),
        (TOKYO, (2026, 11, 24, 21, 0), True),
        # Weekends are quiet all day.
        (BERLIN, (2026, 11, 28, 12, 0), True),
        (TOKYO, (2026, 11, 29, 10, 0), True),
        (NEW_YORK, (2026, 11, 28, 9, 0), True),
        # Sunday night quiet, Monday 08:00 not.
        (BERLIN, (2026, 11, 30, 8, 0), False),
    ],
)
def test_is_quiet(tz_name: str, wall: tuple[int, ...], quiet: bool) -> None:
    assert is_quiet(local(tz_name, *wall), tz_name) is quiet


def test_is_quiet_uses_the_local_day_not_the_utc_day() -> None:
    # Saturday 01:00 UTC is Friday 15:00 in Honolulu: still a working afternoon there.
    assert is_quiet(utc(2026, 11, 28, 1, 0), None)
    assert not is_quiet(utc(2026, 11, 28, 1, 0), "Pacific/Honolulu")
    # Sunday 23:00 UTC is Monday 08:00 in Tokyo: work has started.
    assert is_quiet(utc(2026, 11, 29, 23, 0), None)
    assert not is_quiet(utc(2026, 11, 29, 23, 0), TOKYO)


def test_is_quiet_unknown_tz_is_utc() -> None:
    assert is_quiet(utc(2026, 11, 24, 20, 0), "Mars/Olympus")
    assert not is_quiet(utc(2026, 11, 24, 8, 0), "Mars/Olympus")


def test_next_allowed_keeps_a_daytime_instant() -> None:
    at = local(BERLIN, 2026, 11, 24, 8, 0)
    assert next_allowed(at, BERLIN) == at
    assert next_allowed(at, BERLIN).tzinfo is UTC


def test_next_allowed_early_morning_waits_until_eight_same_day() -> None:
    at = local(NEW_YORK, 2026, 11, 24, 7, 59)  # Tuesday
    assert next_allowed(at, NEW_YORK) == local(NEW_YORK, 2026, 11, 24, 8, 0)


def test_next_allowed_evening_waits_until_next_morning() -> None:
    at = local(BERLIN, 2026, 11, 24, 20, 0)  # Tuesday, exactly the start of quiet
    assert next_allowed(at, BERLIN) == local(BERLIN, 2026, 11, 25, 8, 0)


def test_next_allowed_friday_evening_waits_for_monday() -> None:
    at = local(BERLIN, 2026, 11, 27, 21, 0)
    assert next_allowed(at, BERLIN) == local(BERLIN, 2026, 11, 30, 8, 0)


def test_next_allowed_saturday_in_tokyo_is_monday_eight_tokyo() -> None:
    result = next_allowed(local(TOKYO, 2026, 11, 28, 10, 0), TOKYO)
    assert result == local(TOKYO, 2026, 11, 30, 8, 0)
    assert result == utc(2026, 11, 29, 23, 0)  # still Sunday in UTC
    assert result.tzinfo is UTC


def test_next_allowed_unknown_tz_uses_utc() -> None:
    assert next_allowed(utc(2026, 11, 27, 21, 0), "Nowhere") == utc(2026, 11, 30, 8, 0)
    assert next_allowed(utc(2026, 11, 27, 21, 0), None) == utc(2026, 11, 30, 8, 0)


@pytest.mark.parametrize(
    ("tz_name", "night", "morning", "utc_morning", "offset_after"),
    [
        # Spring forward: Berlin 2026-03-29, New York 2026-03-08 (both Sundays).
        (BERLIN, (2026, 3, 28, 23, 0), (2026, 3, 30, 8, 0), (2026, 3, 30, 6, 0), 2),
        (BERLIN, (2026, 3, 27, 22, 0), (2026, 3, 30, 8, 0), (2026, 3, 30, 6, 0), 2),
        (NEW_YORK, (2026, 3, 7, 23, 0), (2026, 3, 9, 8, 0), (2026, 3, 9, 12, 0), -4),
        # Fall back: Berlin 2026-10-25, New York 2026-11-01.
        (BERLIN, (2026, 10, 24, 23, 0), (2026, 10, 26, 8, 0), (2026, 10, 26, 7, 0), 1),
        (NEW_YORK, (2026, 10, 31, 23, 0), (2026, 11, 2, 8, 0), (2026, 11, 2, 13, 0), -5),
    ],
)
def test_next_allowed_across_dst_change(
    tz_name: str,
    night: tuple[int, ...],
    morning: tuple[int, ...],
    utc_morning: tuple[int, ...],
    offset_after: int,
) -> None:
    at = local(tz_name, *night)
    result = next_allowed(at, tz_name)
    assert result == local(tz_name, *morning)
    assert result == utc(*utc_morning)
    assert offset_in(result, tz_name) == timedelta(hours=offset_after)
    assert offset_in(at, tz_name) != offset_in(result, tz_name)


@pytest.mark.parametrize(
    ("tz_name", "during_change"),
    [
        (BERLIN, utc(2026, 3, 29, 1, 30)),  # 03:30 CEST, just after the jump
        (BERLIN, utc(2026, 10, 25, 0, 30)),  # 02:30 CEST, first pass
        (BERLIN, utc(2026, 10, 25, 1, 30)),  # 02:30 CET, second pass
        (NEW_YORK, utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
        (NEW_YORK, utc(2026, 11, 1, 6, 30)),  # 01:30 EST, second pass
    ],
)
def test_night_of_the_change_waits_for_monday(tz_name: str, during_change: datetime) -> None:
    assert is_quiet(during_change, tz_name)
    result = next_allowed(during_change, tz_name)
    wall = result.astimezone(ZoneInfo(tz_name))
    assert (wall.weekday(), wall.time()) == (0, time(8, 0))
    assert result - during_change < timedelta(days=2)


def test_naive_input_is_taken_as_utc() -> None:
    assert next_allowed(datetime(2026, 11, 27, 21, 0), None) == utc(2026, 11, 30, 8, 0)


# --- reminder cadence -------------------------------------------------------------------

INTERVIEW = utc(2026, 11, 24, 14, 0)
DUE = utc(2026, 11, 26, 17, 0)


def test_nudges_one_to_four() -> None:
    cadence = Cadence(after_interview=timedelta(hours=2), every=timedelta(hours=12))
    assert timedelta(hours=1) == INTERVIEW_LENGTH
    assert nudge_at(1, INTERVIEW, DUE, cadence) == utc(2026, 11, 24, 17, 0)
    assert nudge_at(2, INTERVIEW, DUE, cadence) == DUE
    assert nudge_at(3, INTERVIEW, DUE, cadence) == utc(2026, 11, 27, 5, 0)
    assert nudge_at(4, INTERVIEW, DUE, cadence) == utc(2026, 11, 27, 17, 0)


def test_default_cadence() -> None:
    assert first_nudge_at(INTERVIEW, DUE, Cadence()) == utc(2026, 11, 24, 16, 0)
    assert nudge_at(3, INTERVIEW, DUE, Cadence()) == DUE + timedelta(days=1)


def test_first_nudge_none_when_due_is_soon() -> None:
    due = INTERVIEW + timedelta(hours=2)  # exactly when the first nudge would be
    assert first_nudge_at(INTERVIEW, due, Cadence()) is None
    assert nudge_at(1, INTERVIEW, due, Cadence()) is None
    assert nudge_at(2, INTERVIEW, due, Cadence()) == due
    just_later = due + timedelta(minutes=1)
    assert first_nudge_at(INTERVIEW, just_later, Cadence()) == due


def test_first_nudge_zero_after() -> None:
    cadence = Cadence(after_interview=timedelta(0))
    assert first_nudge_at(INTERVIEW, DUE, cadence) == INTERVIEW + INTERVIEW_LENGTH


def test_disabled_cadence_never_nudges() -> None:
    off = Cadence(enabled=False)
    assert [nudge_at(n, INTERVIEW, DUE, off) for n in range(1, 5)] == [None] * 4


def test_nudge_numbers_start_at_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        nudge_at(0, INTERVIEW, DUE, Cadence())


# --- /panel reminders -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ReminderCommand("show")),
        ("   ", ReminderCommand("show")),
        ("off", ReminderCommand("off")),
        ("OFF", ReminderCommand("off")),
        ("on", ReminderCommand("set", Cadence())),
        (
            "after 2h every 12h",
            ReminderCommand("set", Cadence(timedelta(hours=2), timedelta(hours=12))),
        ),
        (
            "every 12h after 2h",
            ReminderCommand("set", Cadence(timedelta(hours=2), timedelta(hours=12))),
        ),
        ("every 1d", ReminderCommand("set", Cadence(every=timedelta(days=1)))),
        ("after 30m", ReminderCommand("set", Cadence(after_interview=timedelta(minutes=30)))),
        ("after 0m", ReminderCommand("set", Cadence(after_interview=timedelta(0)))),
        ("After 24h", ReminderCommand("set", Cadence(after_interview=timedelta(hours=24)))),
        ("every 1h30m", ReminderCommand("set", Cadence(every=timedelta(minutes=90)))),
        ("every 1h", ReminderCommand("set", Cadence(every=timedelta(hours=1)))),
        ("every 7d", ReminderCommand("set", Cadence(every=timedelta(days=7)))),
        ("every 1d12h", ReminderCommand("set", Cadence(every=timedelta(hours=36)))),
        ("every 60m", ReminderCommand("set", Cadence(every=timedelta(hours=1)))),
    ],
)
def test_parse_reminders(text: str, expected: ReminderCommand) -> None:
    assert parse_reminders(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "after 2x",
            '"2x" isn\'t a duration I know. Use minutes, hours or days, like 30m, 2h or 1d.',
        ),
        (
            "every soon",
            '"soon" isn\'t a duration I know. Use minutes, hours or days, like 30m, 2h or 1d.',
        ),
        (
            "every 30m",
            '"every 30m" is out of range. '
            "Reminders can repeat at most every 7 days and at least every hour.",
        ),
        (
            "every 8d",
            '"every 8d" is out of range. '
            "Reminders can repeat at most every 7 days and at least every hour.",
        ),
        (
            "every 99999999999999999999d",
            '"every 99999999999999999999d" is out of range. '
            "Reminders can repeat at most every 7 days and at least every hour.",
        ),
        (
            "after 25h",
            '"after 25h" is too late. The first reminder can come at most '
            "24 hours after the interview, like after 2h.",
        ),
        ("after", '"after" needs a duration after it, like after 2h.'),
        ("after 2h every", '"every" needs a duration after it, like every 2h.'),
        ("after 1h after 2h", 'You gave "after" twice. Use it once, like after 2h.'),
        (
            "sometimes",
            '"sometimes" isn\'t something I understand here. Use /panel reminders on, '
            "/panel reminders off, or set the timing like /panel reminders after 2h every 1d "
            "(after: up to 24h past the interview; every: 1h to 7d past the due time).",
        ),
        (
            "off please",
            'I didn\'t expect "please" after "off". Use /panel reminders on, '
            "/panel reminders off, or set the timing like /panel reminders after 2h every 1d "
            "(after: up to 24h past the interview; every: 1h to 7d past the due time).",
        ),
    ],
)
def test_parse_reminders_errors(text: str, message: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_reminders(text)
    assert caught.value.message == message
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


# --- /panel digest: parsing -------------------------------------------------------------

DAILY_9 = DigestRule("daily", time(9, 0))
MONDAY_9 = DigestRule("weekly", time(9, 0), 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DigestCommand("show")),
        ("off", DigestCommand("off")),
        ("now", DigestCommand("now")),
        ("Now", DigestCommand("now")),
        ("daily 09:00", DigestCommand("set", DAILY_9)),
        ("daily 9:00", DigestCommand("set", DAILY_9)),
        ("daily", DigestCommand("set", DAILY_9)),
        ("DAILY 17:30", DigestCommand("set", DigestRule("daily", time(17, 30)))),
        ("daily 09:00 Europe/Berlin", DigestCommand("set", DAILY_9, BERLIN)),
        ("daily 09:00 europe/berlin", DigestCommand("set", DAILY_9, BERLIN)),
        ("daily 09:00 UTC", DigestCommand("set", DAILY_9, "UTC")),
        ("weekly", DigestCommand("set", MONDAY_9)),
        ("weekly mon 09:00", DigestCommand("set", MONDAY_9)),
        ("weekly Monday 09:00", DigestCommand("set", MONDAY_9)),
        ("weekly fri 16:00", DigestCommand("set", DigestRule("weekly", time(16, 0), 4))),
        ("weekly SUNDAY", DigestCommand("set", DigestRule("weekly", time(9, 0), 6))),
        ("weekly 10:00", DigestCommand("set", DigestRule("weekly", time(10, 0), 0))),
        (
            "weekly wed 08:15 America/New_York",
            DigestCommand("set", DigestRule("weekly", time(8, 15), 2), NEW_YORK),
        ),
        # describe()'s own wording, typed back in.
        ("weekly on Monday at 09:00 (UTC)", DigestCommand("set", MONDAY_9, "UTC")),
        ("daily at 09:00 (Asia/Tokyo)", DigestCommand("set", DAILY_9, TOKYO)),
    ],
)
def test_parse_digest(text: str, expected: DigestCommand) -> None:
    assert parse_digest(text) == expected


DIGEST_FORMS = (
    "Use /panel digest daily 09:00 or /panel digest weekly mon 09:00, "
    "optionally followed by a time zone like Europe/Berlin."
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "daily 09:75",
            '"09:75" isn\'t a time of day. Use 24-hour HH:MM, like 09:00 or 17:30.',
        ),
        (
            "fortnightly",
            '"fortnightly" isn\'t a schedule I know. Use daily or weekly, like '
            "/panel digest daily 09:00 or /panel digest weekly mon 09:00, or off or now.",
        ),
        ("daily 24:00", '"24:00" isn\'t a time of day. Use 24-hour HH:MM, like 09:00 or 17:30.'),
        ("daily 9am", '"9am" isn\'t a time of day. Use 24-hour HH:MM, like 09:00 or 17:30.'),
        ("weekly mon 0900", '"0900" isn\'t a time of day. Use 24-hour HH:MM, like 09:00 or 17:30.'),
        (
            "weekly mnday 09:00",
            '"mnday" isn\'t a day of the week. Use mon, tue, wed, thu, fri, sat or sun, '
            "like /panel digest weekly mon 09:00.",
        ),
        (
            "daily 09:00 Mars/Olympus",
            '"Mars/Olympus" isn\'t a time zone I know. Use an IANA name like Europe/Berlin '
            "or America/New_York, or leave it out to use your own.",
        ),
        (
            "daily 09:00 Berlin",
            '"Berlin" isn\'t a time zone I know. Use an IANA name like Europe/Berlin '
            "or America/New_York, or leave it out to use your own.",
        ),
        (
            "weekly mon 09:00 Berlin",
            '"Berlin" isn\'t a time zone I know. Use an IANA name like Europe/Berlin '
            "or America/New_York, or leave it out to use your own.",
        ),
        (
            "daily mon 09:00",
            'Daily digests go out every day, so "mon" doesn\'t fit. '
            "For one day a week, use /panel digest weekly mon 09:00.",
        ),
        ("daily 09:00 Europe/Berlin please", 'I didn\'t expect "please" there. ' + DIGEST_FORMS),
        ("daily 09:00 10:00", 'I didn\'t expect "10:00" there. ' + DIGEST_FORMS),
        ("weekly mon tue", 'I didn\'t expect "tue" there. ' + DIGEST_FORMS),
        ("off now", 'I didn\'t expect "now" there. ' + DIGEST_FORMS),
        ("now please", 'I didn\'t expect "please" there. ' + DIGEST_FORMS),
        ("daily UTC Europe/Berlin", 'I didn\'t expect "Europe/Berlin" there. ' + DIGEST_FORMS),
    ],
)
def test_parse_digest_errors(text: str, message: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_digest(text)
    assert caught.value.message == message


# --- /panel digest: timing --------------------------------------------------------------


def test_next_digest_daily_later_today_and_tomorrow() -> None:
    assert next_digest_at(DAILY_9, BERLIN, local(BERLIN, 2026, 11, 24, 8, 0)) == local(
        BERLIN, 2026, 11, 24, 9, 0
    )
    assert next_digest_at(DAILY_9, BERLIN, local(BERLIN, 2026, 11, 24, 10, 0)) == local(
        BERLIN, 2026, 11, 25, 9, 0
    )


def test_next_digest_is_strictly_after() -> None:
    at_nine = local(BERLIN, 2026, 11, 24, 9, 0)
    assert next_digest_at(DAILY_9, BERLIN, at_nine) == local(BERLIN, 2026, 11, 25, 9, 0)
    just_before = at_nine - timedelta(microseconds=1)
    assert next_digest_at(DAILY_9, BERLIN, just_before) == at_nine


@pytest.mark.parametrize(
    ("tz_name", "day_before", "expected_utc"),
    [
        (BERLIN, (2026, 3, 28), utc(2026, 3, 29, 7, 0)),  # CET → CEST
        (BERLIN, (2026, 10, 24), utc(2026, 10, 25, 8, 0)),  # CEST → CET
        (NEW_YORK, (2026, 3, 7), utc(2026, 3, 8, 13, 0)),  # EST → EDT
        (NEW_YORK, (2026, 10, 31), utc(2026, 11, 1, 14, 0)),  # EDT → EST
    ],
)
def test_next_digest_keeps_nine_local_across_dst(
    tz_name: str, day_before: tuple[int, int, int], expected_utc: datetime
) -> None:
    sent = local(tz_name, *day_before, 9, 0)
    following = next_digest_at(DAILY_9, tz_name, sent)
    assert following == expected_utc
    assert following - sent != timedelta(days=1)  # the day was 23 or 25 hours long
    assert following.astimezone(ZoneInfo(tz_name)).time() == time(9, 0)
    assert following.tzinfo is UTC


def test_next_digest_chain_through_a_week_with_a_change() -> None:
    at = local(BERLIN, 2026, 3, 25, 12, 0)
    for _ in range(7):
        at = next_digest_at(DAILY_9, BERLIN, at)
        assert at.astimezone(ZoneInfo(BERLIN)).time() == time(9, 0)
    assert at == local(BERLIN, 2026, 4, 1, 9, 0)


def test_next_digest_weekly_picks_the_weekday() -> None:
    thursday = local(BERLIN, 2026, 11, 26, 12, 0)
    assert next_digest_at(MONDAY_9, BERLIN, thursday) == local(BERLIN, 2026, 11, 30, 9, 0)
    friday_rule = DigestRule("weekly", time(16, 0), 4)
    assert next_digest_at(friday_rule, BERLIN, thursday) == local(BERLIN, 2026, 11, 27, 16, 0)


def test_next_digest_weekly_same_day_before_and_at_the_time() -> None:
    monday_morning = local(BERLIN, 2026, 11, 30, 8, 59)
    assert next_digest_at(MONDAY_9, BERLIN, monday_morning) == local(BERLIN, 2026, 11, 30, 9, 0)
    monday_nine = local(BERLIN, 2026, 11, 30, 9, 0)
    assert next_digest_at(MONDAY_9, BERLIN, monday_nine) == local(BERLIN, 2026, 12, 7, 9, 0)


def test_next_digest_weekly_across_dst_and_local_date() -> None:
    # Sunday 2026-10-25 is the change in Berlin; Monday's digest is still 09:00 local.
    saturday = local(BERLIN, 2026, 10, 24, 12, 0)
    assert next_digest_at(MONDAY_9, BERLIN, saturday) == utc(2026, 10, 26, 8, 0)
    # Monday 09:00 Tokyo is Sunday 00:00 UTC.
    assert next_digest_at(MONDAY_9, TOKYO, utc(2026, 11, 29, 0, 0)) == utc(2026, 11, 30, 0, 0)
    assert next_digest_at(MONDAY_9, TOKYO, utc(2026, 11, 28, 12, 0)) == utc(2026, 11, 30, 0, 0)


def test_next_digest_unknown_tz_is_utc() -> None:
    assert next_digest_at(DAILY_9, "Nope", utc(2026, 11, 24, 9, 0)) == utc(2026, 11, 25, 9, 0)


def test_next_digest_in_the_skipped_hour_fires_once_after_the_gap() -> None:
    rule = DigestRule("daily", time(2, 30))
    result = next_digest_at(rule, BERLIN, local(BERLIN, 2026, 3, 28, 12, 0))
    assert result == utc(2026, 3, 29, 1, 30)  # 03:30 CEST: 02:30 never happened
    assert next_digest_at(rule, BERLIN, result) == local(BERLIN, 2026, 3, 30, 2, 30)


def test_next_digest_in_the_repeated_hour_fires_once() -> None:
    rule = DigestRule("daily", time(2, 30))
    first = next_digest_at(rule, BERLIN, local(BERLIN, 2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)  # the first 02:30, still CEST
    assert next_digest_at(rule, BERLIN, first) == local(BERLIN, 2026, 10, 26, 2, 30)


def test_digest_period_daily_uses_local_date() -> None:
    assert digest_period(DAILY_9, BERLIN, local(BERLIN, 2026, 11, 27, 9, 0)) == "2026-11-27"
    late_utc = utc(2026, 12, 31, 23, 30)
    assert digest_period(DAILY_9, None, late_utc) == "2026-12-31"
    assert digest_period(DAILY_9, TOKYO, late_utc) == "2027-01-01"


@pytest.mark.parametrize(
    ("wall", "key"),
    [
        ((2026, 11, 27, 9, 0), "2026-W48"),
        ((2026, 12, 31, 9, 0), "2026-W53"),
        ((2027, 1, 1, 9, 0), "2026-W53"),  # a Friday: still ISO week 53 of 2026
        ((2027, 1, 4, 9, 0), "2027-W01"),
        ((2025, 12, 29, 9, 0), "2026-W01"),  # a Monday in December: week 1 of 2026
        ((2025, 12, 28, 9, 0), "2025-W52"),
    ],
)
def test_digest_period_weekly_iso_week(wall: tuple[int, ...], key: str) -> None:
    assert digest_period(MONDAY_9, BERLIN, local(BERLIN, *wall)) == key


def test_digest_period_weekly_follows_local_week() -> None:
    # Sunday 23:30 UTC is already Monday in Tokyo: a new ISO week there.
    sunday_night = utc(2026, 11, 29, 23, 30)
    assert digest_period(MONDAY_9, None, sunday_night) == "2026-W48"
    assert digest_period(MONDAY_9, TOKYO, sunday_night) == "2026-W49"


def test_describe() -> None:
    assert describe(DAILY_9, BERLIN) == "daily at 09:00 (Europe/Berlin)"
    assert describe(MONDAY_9, None) == "weekly on Monday at 09:00 (UTC)"
    assert describe(DigestRule("weekly", time(17, 30), 4), NEW_YORK) == (
        "weekly on Friday at 17:30 (America/New_York)"
    )
    assert describe(DAILY_9, "Bogus/Zone") == "daily at 09:00 (UTC)"
    assert describe(DigestRule("weekly", time(9, 0)), TOKYO) == (
        "weekly on Monday at 09:00 (Asia/Tokyo)"
    )
