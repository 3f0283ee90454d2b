"""Business-time arithmetic against a brute-force reference that walks UTC minute by minute
and asks the calendar *definition* (not the compiled calendar) whether each minute is open.

Calendars are drawn at random: split days, slots crossing midnight, 24/7, holidays, one-off
closures and extra openings, in zones with DST (including Lord Howe's 30-minute shift and
Brazil's DST before 2019), with starts near the clock changes.
"""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from helpline.sla.businesstime import BusinessCalendar, NoOpenTime, Slot

ZONES = [
    "Europe/Rome",
    "America/Sao_Paulo",
    "America/New_York",
    "Europe/Prague",
    "Australia/Lord_Howe",
    "UTC",
]
#: Starts close to DST changes of the zones above (and some ordinary dates).
ANCHORS = [
    datetime(2018, 11, 3, tzinfo=UTC),  # Brazil springs forward (Nov 4, 2018)
    datetime(2019, 2, 15, tzinfo=UTC),  # Brazil's last fall back (Feb 17, 2019)
    datetime(2024, 3, 8, tzinfo=UTC),  # US spring forward (Mar 10)
    datetime(2024, 3, 29, tzinfo=UTC),  # EU spring forward (Mar 31)
    datetime(2024, 10, 25, tzinfo=UTC),  # EU fall back (Oct 27)
    datetime(2024, 11, 1, tzinfo=UTC),  # US fall back (Nov 3)
    datetime(2024, 4, 5, tzinfo=UTC),  # Lord Howe fall back (Apr 7, 30 minutes)
    datetime(2025, 12, 29, tzinfo=UTC),  # across a year end
    datetime(2026, 6, 10, tzinfo=UTC),
]


class Reference:
    """The calendar as defined in the module docstring, evaluated one real minute at a time.

    Deliberately naive: every UTC minute is read as wall-clock time with zoneinfo, and each
    open minute is owned by the date whose slot covers it (a slot belongs to the date it
    starts on; a holiday closes its own slots, after midnight too; an extra opening belongs
    to the wall date it falls on; time the day before's night slot covers stays the day
    before's; a closure wins). Working days and their closes come from the owned minutes.
    """

    def __init__(self, tz: str, slots, holidays, closures, openings) -> None:
        self.tz = ZoneInfo(tz)
        self.slots = slots
        self.holidays = set(holidays)
        self.closures = closures
        self.openings = openings

    def owner(self, wall: datetime) -> date | None:
        if any(a <= wall < b for a, b in self.closures):
            return None
        minute = wall.hour * 60 + wall.minute
        today = wall.date()
        weekday = today.weekday()
        candidates = []
        for s in self.slots:
            crosses = s.end <= s.start
            if s.weekday == weekday and s.start <= minute and (crosses or minute < s.end):
                candidates.append(today)
            if crosses and (s.weekday + 1) % 7 == weekday and minute < s.end:
                candidates.append(today - timedelta(days=1))
        candidates = [d for d in candidates if d not in self.holidays]
        if any(a <= wall < b for a, b in self.openings):
            candidates.append(today)
        return min(candidates, default=None)

    def open_at(self, wall: datetime) -> bool:
        return self.owner(wall) is not None

    def wall(self, u: datetime) -> datetime:
        return u.astimezone(self.tz).replace(tzinfo=None)

    def add(self, start: datetime, minutes: int, limit: int = 200_000) -> datetime:
        if minutes == 0:
            return start
        count = 0
        u = start
        for _ in range(limit):
            if self.open_at(self.wall(u)):
                count += 1
                if count == minutes:
                    return u + timedelta(minutes=1)
            u += timedelta(minutes=1)
        raise AssertionError("reference walked too far")

    def between(self, a: datetime, b: datetime) -> int:
        count = 0
        u = a
        while u < b:
            count += self.open_at(self.wall(u))
            u += timedelta(minutes=1)
        return count

    def closes(self, a: datetime, b: datetime) -> dict[date, datetime]:
        """Working days owning open minutes in [a, b) and their closes (the minute after
        the last one they own)."""
        out: dict[date, datetime] = {}
        u = a
        while u < b:
            owner = self.owner(self.wall(u))
            if owner is not None:
                out[owner] = u + timedelta(minutes=1)
            u += timedelta(minutes=1)
        return out

    def add_working_days(self, start: datetime, n: int, days: int) -> datetime | None:
        """The close of the n-th working day after the day of receipt, looking ``days``
        ahead (None if not found within them)."""
        closes = self.closes(start - timedelta(days=2), start + timedelta(days=days))
        receipt = self.wall(start).date()
        yesterday = receipt - timedelta(days=1)
        if yesterday in closes and start < closes[yesterday]:
            receipt = yesterday
        later = sorted(d for d in closes if d > receipt)
        if n == 0:
            if receipt in closes and start < closes[receipt]:
                return closes[receipt]
            n = 1
        if len(later) < n or later[n - 1] > self.wall(start).date() + timedelta(days=days - 2):
            return None  # the walk may not have seen that day's close
        return closes[later[n - 1]]


@st.composite
def slot_lists(draw: st.DrawFn) -> list[Slot]:
    kind = draw(st.sampled_from(["split", "night", "always", "random"]))
    if kind == "split":
        days = draw(st.sets(st.integers(0, 6), min_size=1))
        return [Slot(d, 8 * 60, 12 * 60) for d in days] + [Slot(d, 14 * 60, 17 * 60) for d in days]
    if kind == "night":  # crosses midnight, around the 01:00-03:00 DST hours
        days = draw(st.sets(st.integers(0, 6), min_size=1))
        start = draw(st.integers(20 * 60, 23 * 60 + 30))
        end = draw(st.integers(30, 6 * 60))
        return [Slot(d, start, end) for d in days]
    if kind == "always":
        return [Slot(d, 0, 1440) for d in range(7)]
    n = draw(st.integers(1, 6))
    out = []
    for _ in range(n):
        start = draw(st.integers(0, 1439))
        end = draw(st.integers(0, 1440))
        assume(end != start)
        out.append(Slot(draw(st.integers(0, 6)), start, end))
    return out


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, Reference, datetime]:
    tz = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(ANCHORS))
    start = anchor + timedelta(minutes=draw(st.integers(0, 5 * 1440)))
    slots = draw(slot_lists())
    day0 = start.date()
    holidays = draw(
        st.lists(st.integers(-1, 20).map(lambda k: day0 + timedelta(days=k)), max_size=4)
    )

    def ranges() -> st.SearchStrategy[tuple[datetime, datetime]]:
        base = datetime.combine(day0, datetime.min.time())
        return st.tuples(st.integers(-1440, 20 * 1440), st.integers(30, 3 * 1440)).map(
            lambda t: (base + timedelta(minutes=t[0]), base + timedelta(minutes=t[0] + t[1]))
        )

    closures = draw(st.lists(ranges(), max_size=2))
    openings = draw(st.lists(ranges(), max_size=2))
    by_year: dict[int, list[date]] = {}
    for h in holidays:
        by_year.setdefault(h.year, []).append(h)
    cal = BusinessCalendar(
        tz=tz,
        slots=slots,
        holidays=lambda y: by_year.get(y, []),
        closures=closures,
        openings=openings,
    )
    ref = Reference(tz, slots, holidays, closures, openings)
    return cal, ref, start


FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(data=calendars(), minutes=st.integers(0, 1500))
def test_add_matches_minute_by_minute_reference(data, minutes):
    cal, ref, start = data
    # Keep the reference walk short: the target must be reached within ~8 days.
    horizon = start + timedelta(days=8)
    available = ref.between(start, horizon) if minutes else 0
    assume(minutes <= available)
    assert cal.add(start, minutes * 60) == ref.add(start, minutes)


@FAST
@given(data=calendars(), span=st.integers(0, 12 * 1440))
def test_between_matches_minute_by_minute_reference(data, span):
    cal, ref, start = data
    end = start + timedelta(minutes=span)
    assert cal.between(start, end) == ref.between(start, end) * 60


@FAST
@given(data=calendars(), minutes=st.integers(1, 3000), split=st.integers(0, 3000))
def test_add_then_between_round_trips(data, minutes, split):
    """Adding in two steps lands where adding at once does, and the open time in between
    is exactly the target (what pausing and resuming a clock relies on)."""
    cal, _ref, start = data
    try:
        due = cal.add(start, minutes * 60)
    except NoOpenTime:
        return
    assert cal.between(start, due) == minutes * 60
    first = min(split, minutes)
    mid = cal.add(start, first * 60)
    assert cal.add(mid, (minutes - first) * 60) == due


@FAST
@given(data=calendars(), n=st.integers(0, 3))
def test_working_days_match_minute_by_minute_reference(data, n):
    cal, ref, start = data
    expected = ref.add_working_days(start, n, days=8)
    assume(expected is not None)
    due = cal.add_working_days(start, n)
    assert due == expected
    assert due > start
    assert cal.add_working_days_seconds(int(start.timestamp()), n) == int(due.timestamp())


#: The nights the clocks change in the four zones the outside checks used, as UTC instants.
DST_NIGHTS = {
    "Europe/Rome": [datetime(2024, 3, 31, 1, tzinfo=UTC), datetime(2024, 10, 27, 1, tzinfo=UTC)],
    "Europe/Prague": [
        datetime(2025, 3, 30, 1, tzinfo=UTC),
        datetime(2025, 10, 26, 1, tzinfo=UTC),
    ],
    "America/Sao_Paulo": [
        datetime(2018, 11, 4, 3, tzinfo=UTC),
        datetime(2018, 2, 18, 2, tzinfo=UTC),
        datetime(2019, 2, 17, 2, tzinfo=UTC),
    ],
    "America/New_York": [
        datetime(2024, 3, 10, 7, tzinfo=UTC),
        datetime(2024, 11, 3, 6, tzinfo=UTC),
    ],
}


@st.composite
def dst_night_calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, Reference, datetime]:
    """Night slots (often ending inside the skipped or repeated hour) around a clock change,
    a holiday on either side of it now and then, starts within a day and a half of it."""
    tz = draw(st.sampled_from(sorted(DST_NIGHTS)))
    change = draw(st.sampled_from(DST_NIGHTS[tz]))
    days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=4))
    start_minute = draw(st.integers(18 * 60, 23 * 60 + 50))
    end_minute = draw(st.sampled_from([0, 30, 60, 90, 120, 130, 150, 180, 190, 240]))
    slots = [Slot(d, start_minute, end_minute) for d in days]
    if draw(st.booleans()):
        slots += [Slot(d, 8 * 60, 12 * 60) for d in range(5)]
    local_day = change.astimezone(ZoneInfo(tz)).date()
    holidays = draw(
        st.lists(st.integers(-2, 1).map(lambda k: local_day + timedelta(days=k)), max_size=2)
    )
    start = change + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
    cal = BusinessCalendar(tz=tz, slots=slots, holidays=lambda y: holidays)
    return cal, Reference(tz, slots, holidays, [], []), start


NIGHTS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@NIGHTS
@given(data=dst_night_calendars(), minutes=st.integers(1, 600), span=st.integers(0, 2 * 1440))
def test_dst_nights_add_and_between_match_the_reference(data, minutes, span):
    cal, ref, start = data
    assume(ref.between(start, start + timedelta(days=4)) >= minutes)
    assert cal.add(start, minutes * 60) == ref.add(start, minutes)
    end = start + timedelta(minutes=span)
    assert cal.between(start, end) == ref.between(start, end) * 60


@NIGHTS
@given(data=dst_night_calendars(), n=st.integers(0, 2))
def test_dst_nights_working_days_match_the_reference(data, n):
    cal, ref, start = data
    expected = ref.add_working_days(start, n, days=7)
    assume(expected is not None)
    assert cal.add_working_days(start, n) == expected


def test_a_calendar_with_no_open_time_is_a_clear_error() -> None:
    cal = BusinessCalendar(tz="Europe/Rome", slots=[])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(NoOpenTime):
        cal.add(start, 60)
    with pytest.raises(NoOpenTime):
        cal.add_working_days(start, 1)
    assert cal.between(start, start + timedelta(days=30)) == 0


def test_only_past_extra_openings_is_a_clear_error() -> None:
    opening = (datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 10))
    cal = BusinessCalendar(tz="Europe/Rome", slots=[], openings=[opening])
    assert cal.add(datetime(2026, 1, 1, tzinfo=UTC), 1800) == datetime(
        2026, 1, 5, 8, 30, tzinfo=UTC
    )
    with pytest.raises(NoOpenTime):
        cal.add(datetime(2026, 1, 1, tzinfo=UTC), 7200)


def test_a_calendar_closed_for_ever_by_holidays_is_a_clear_error() -> None:
    """Holidays on every date (a pathological source) end in NoOpenTime, not a hang."""

    def every_day(year: int) -> list[date]:
        d = date(year, 1, 1)
        return [d + timedelta(days=k) for k in range((date(year + 1, 1, 1) - d).days)]

    cal = BusinessCalendar(tz="UTC", slots=[Slot(d, 0, 1440) for d in range(7)], holidays=every_day)
    with pytest.raises(NoOpenTime):
        cal.add(datetime(2026, 1, 1, tzinfo=UTC), 60)


def test_night_slot_on_fall_back_night_lasts_an_hour_longer() -> None:
    cal = BusinessCalendar(tz="Europe/Rome", slots=[Slot(5, 22 * 60, 6 * 60)])
    sat = datetime(2024, 10, 26, 20, tzinfo=UTC)  # 22:00 in Rome, DST ends at 03:00
    assert cal.between(sat, sat + timedelta(hours=12)) == 9 * 3600


def test_sixty_working_days_skip_italian_holidays() -> None:
    import holidays as hol

    slots = [Slot(d, 8 * 60, 12 * 60) for d in range(5)] + [
        Slot(d, 14 * 60, 17 * 60) for d in range(5)
    ]
    cal = BusinessCalendar(
        tz="Europe/Rome",
        slots=slots,
        holidays=lambda y: list(hol.country_holidays("IT", years=y)),
    )
    # Mon 1 Dec 2025, 60 working days: Dec 8, 25, 26 and Jan 1, 6 are holidays.
    due = cal.add_working_days(datetime(2025, 12, 1, 9, tzinfo=UTC), 60)
    assert due == datetime(2026, 3, 2, 16, tzinfo=UTC)  # 17:00 in Rome


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=calendars(),
    minutes=st.integers(0, 3000),
    n=st.integers(0, 8),
    span=st.integers(0, 12 * 1440),
    far=st.sampled_from([-30, -3, 3, 30]),
)
def test_answers_do_not_depend_on_the_years_compiled_before(data, minutes, n, span, far):
    """The hot paths read arrays built for the years compiled so far; a calendar asked
    about distant years first (before or after: the range is rebuilt, wider) answers
    exactly as a fresh one, in seconds and in datetimes."""
    cal, _ref, start = data
    warm = copy.deepcopy(cal)
    elsewhere = start + timedelta(days=365 * far)
    for probe in (warm.add, warm.add_working_days):
        with contextlib.suppress(NoOpenTime):
            probe(elsewhere, 1)
    end = start + timedelta(minutes=span)
    u = int(start.timestamp())

    def answers(c: BusinessCalendar) -> list[object]:
        out: list[object] = [c.between(start, end), c.between_seconds(u, u + span * 60)]
        for fn in (
            lambda: c.add(start, minutes * 60),
            lambda: c.add_seconds(u, minutes * 60),
            lambda: c.add_working_days(start, n),
            lambda: c.add_working_days_seconds(u, n),
        ):
            try:
                out.append(fn())
            except NoOpenTime:
                out.append("no open time")
        return out

    assert answers(warm) == answers(cal)


def test_sub_second_and_zoned_starts_count_from_the_whole_utc_second() -> None:
    slots = [Slot(d, 9 * 60, 17 * 60) for d in range(5)]
    cal = BusinessCalendar(tz="Europe/Rome", slots=slots)
    start = datetime(2026, 3, 4, 10, 0, 0, tzinfo=UTC)
    late = start + timedelta(microseconds=999_999)
    zoned = start.astimezone(ZoneInfo("America/Sao_Paulo"))
    due = cal.add(start, 3600)
    assert due == datetime(2026, 3, 4, 11, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert cal.add(late, 3600) == cal.add(zoned, 3600) == due
    assert cal.add(late, 0) == start
    assert cal.between(late, due) == cal.between(zoned, due) == 3600
    assert cal.add_working_days(late, 1) == cal.add_working_days(zoned, 1)
    assert cal.add_working_days(start, 1) == datetime(2026, 3, 5, 16, tzinfo=UTC)  # 17:00 CET


def test_a_negative_number_of_working_days_is_refused() -> None:
    cal = BusinessCalendar(tz="UTC", slots=[Slot(0, 540, 1020)])
    start = datetime(2026, 3, 4, tzinfo=UTC)
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(start, -1)
    cal.add_working_days(start, 1)  # compiled: the fast path refuses it too
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days_seconds(int(start.timestamp()), -1)


def test_zero_working_days_is_today_close_while_today_is_still_open() -> None:
    """0 working days (the same day): today's close up to its last open second, then the next
    working day's close."""
    slots = [Slot(d, 8 * 60 + 30, 12 * 60 + 30) for d in range(5)]
    slots += [Slot(d, 14 * 60, 17 * 60) for d in range(5)]
    cal = BusinessCalendar(tz="Europe/Rome", slots=slots)
    close = datetime(2026, 3, 27, 16, tzinfo=UTC)  # Friday 17:00 in Rome (CET)
    monday_close = datetime(2026, 3, 30, 15, tzinfo=UTC)  # 17:00 CEST after the change
    assert cal.add_working_days(close - timedelta(seconds=1), 0) == close
    assert cal.add_working_days(close, 0) == monday_close
    assert cal.add_working_days(close + timedelta(minutes=30), 0) == monday_close
    assert cal.add_working_days(close - timedelta(hours=16), 0) == close  # 01:00, before opening
    u = int(close.timestamp())
    assert cal.add_working_days_seconds(u - 1, 0) == u
    assert cal.add_working_days_seconds(u, 0) == int(monday_close.timestamp())


def test_working_days_skip_the_wall_times_lost_when_clocks_spring_forward() -> None:
    """A night slot ending in the hour the clocks skip closes its date at the change (not
    after an hour that never opened)."""
    rome = BusinessCalendar(tz="Europe/Rome", slots=[Slot(5, 22 * 60, 2 * 60 + 30)])
    saturday = datetime(2024, 3, 30, 12, tzinfo=UTC)  # Rome skips 02:00-03:00 on Sunday 31
    assert rome.add_working_days(saturday, 0) == datetime(2024, 3, 31, 1, tzinfo=UTC)
    # The next working day is Saturday 6 April, closing at 02:30 CEST on Sunday 7.
    assert rome.add_working_days(saturday, 1) == datetime(2024, 4, 7, 0, 30, tzinfo=UTC)
    assert rome.between(saturday, datetime(2024, 4, 1, tzinfo=UTC)) == 4 * 3600  # 22-02

    # São Paulo skipped 00:00-01:00 on Sunday 4 November 2018.
    sp = BusinessCalendar(tz="America/Sao_Paulo", slots=[Slot(5, 21 * 60 + 40, 30)])
    saturday = datetime(2018, 11, 3, 12, tzinfo=UTC)
    assert sp.add_working_days(saturday, 0) == datetime(2018, 11, 4, 3, tzinfo=UTC)  # 24:00
    assert sp.add_working_days(saturday, 1) == datetime(2018, 11, 11, 2, 30, tzinfo=UTC)
