"""The business-time rules the outside checks found broken: a day's close in the hour the
clocks repeat (issue 14, point 9) and night slots starting on a holiday (point 10)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from helpline.sla.businesstime import BusinessCalendar, Slot

#: Rome goes back from 03:00 CEST to 02:00 CET on Sunday 27 October 2024 at 01:00 UTC.
FRIDAY = datetime(2024, 10, 25, 12, tzinfo=UTC)
SATURDAY = datetime(2024, 10, 26, 12, tzinfo=UTC)


def saturday_night() -> BusinessCalendar:
    return BusinessCalendar(tz="Europe/Rome", slots=[Slot(5, 22 * 60, 2 * 60 + 30)])


def test_a_close_inside_the_repeated_hour_is_its_second_occurrence() -> None:
    """Saturday 22:00-02:30 runs through both 02:00-02:30 on the night the clocks go back:
    the working day closes at 02:30 CET (01:30 UTC), not at 02:30 CEST (00:30 UTC)."""
    cal = saturday_night()
    assert cal.add_working_days(FRIDAY, 1) == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    assert cal.add_working_days(SATURDAY, 0) == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    assert cal.add_working_days_seconds(int(FRIDAY.timestamp()), 1) == int(
        datetime(2024, 10, 27, 1, 30, tzinfo=UTC).timestamp()
    )
    # A date's own slot ending in the repeated hour: Sunday 00:00-02:30.
    sunday = BusinessCalendar(tz="Europe/Rome", slots=[Slot(6, 0, 2 * 60 + 30)])
    assert sunday.add_working_days(SATURDAY, 1) == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


def test_zero_working_days_from_the_second_pass_of_the_repeated_hour_is_not_before_it() -> None:
    cal = saturday_night()
    second_0210 = datetime(2024, 10, 27, 1, 10, tzinfo=UTC)  # 02:10 CET, the second one
    due = cal.add_working_days(second_0210, 0)
    assert due == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    assert due > second_0210
    first_0210 = datetime(2024, 10, 27, 0, 10, tzinfo=UTC)  # 02:10 CEST
    assert cal.add_working_days(first_0210, 0) == due
    # Received in the night part of Saturday's slot: Saturday is the day of receipt, so
    # one working day is the next Saturday's close (02:30 CET on Sunday 3 November).
    assert cal.add_working_days(second_0210, 1) == datetime(2024, 11, 3, 1, 30, tzinfo=UTC)


def christmas_nights() -> BusinessCalendar:
    """A night service every day 22:00-06:00 in Rome, closed on Christmas Day."""
    return BusinessCalendar(
        tz="Europe/Rome",
        slots=[Slot(d, 22 * 60, 6 * 60) for d in range(7)],
        holidays=lambda year: [date(year, 12, 25)],
    )


def test_a_night_slot_starting_on_a_holiday_is_closed_after_midnight_too() -> None:
    cal = christmas_nights()
    # 26 December 00:00-06:00 CET is the part of the slot that starts on Christmas Day.
    dec26 = datetime(2026, 12, 25, 23, tzinfo=UTC)
    assert cal.between(dec26, dec26 + timedelta(hours=6)) == 0
    assert not cal.is_open(dec26 + timedelta(hours=3))
    # The night of 24 December runs into Christmas morning: it belongs to the 24th.
    dec25 = datetime(2026, 12, 24, 23, tzinfo=UTC)
    assert cal.between(dec25, dec25 + timedelta(hours=6)) == 6 * 3600
    assert cal.is_open(dec25 + timedelta(hours=3))
    # One hour from Christmas Day noon: the 26th's own slot, from 22:00 on the 26th.
    noon = datetime(2026, 12, 25, 11, tzinfo=UTC)
    assert cal.add(noon, 3600) == datetime(2026, 12, 26, 22, tzinfo=UTC)


def test_a_holiday_is_no_working_day_even_when_the_night_before_runs_into_it() -> None:
    cal = christmas_nights()
    # Received on the 24th at noon: one working day is the 26th (the 25th is a holiday),
    # whose slot closes at 06:00 on the 27th.
    noon = datetime(2026, 12, 24, 11, tzinfo=UTC)
    assert cal.add_working_days(noon, 0) == datetime(2026, 12, 25, 5, tzinfo=UTC)
    assert cal.add_working_days(noon, 1) == datetime(2026, 12, 27, 5, tzinfo=UTC)
    opening = cal.openings(datetime(2026, 12, 25, 0, 30, tzinfo=UTC), 2)
    assert opening == [
        (datetime(2026, 12, 25, 0, 0), datetime(2026, 12, 25, 6, 0)),
        (datetime(2026, 12, 26, 22, 0), datetime(2026, 12, 27, 6, 0)),
    ]


def test_every_entry_point_answers_on_a_calendar_compiled_for_other_years() -> None:
    """Asking outside the compiled years compiles more; the answer is read from the arrays
    built then (not from the ones before)."""
    for ask in ("add_working_days_seconds", "add_seconds", "add_working_days", "add"):
        cal = BusinessCalendar(tz="Europe/Rome", slots=[Slot(d, 8 * 60, 17 * 60) for d in range(5)])
        cal.add(datetime(2026, 3, 2, tzinfo=UTC), 60)  # compiles 2025-2027
        start = datetime(2040, 3, 5, 12, tzinfo=UTC)  # a Monday, 13:00 CET
        u = int(start.timestamp())
        if ask == "add_working_days_seconds":
            assert cal.add_working_days_seconds(u, 1) == int(
                datetime(2040, 3, 6, 16, tzinfo=UTC).timestamp()
            )
        elif ask == "add_seconds":
            assert cal.add_seconds(u, 3600) == u + 3600
        elif ask == "add_working_days":
            assert cal.add_working_days(start, 1) == datetime(2040, 3, 6, 16, tzinfo=UTC)
        else:
            assert cal.add(start, 3600) == start + timedelta(hours=1)
