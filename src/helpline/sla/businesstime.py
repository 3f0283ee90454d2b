"""Business-time arithmetic: when is a target of so much open time reached, and how much open
time lies between two instants, on a calendar of weekly slots, holidays, closures and extra
openings in a time zone. Pure Python, no database: the SLA services compile a calendar once
and ask it many questions.

Definitions (the hypothesis tests check them against a minute-by-minute reference):

- An instant is *open* when its wall-clock time in the calendar's zone falls in an open slot
  of its wall-clock date. A slot may cross midnight (22:00-06:00): the part after midnight
  belongs to the next date. A holiday closes its whole wall-clock date; an extra opening
  then adds time back; a closure finally removes time (closure wins).
- Business time between two instants is the real (UTC) duration of the open instants between
  them, so a night slot on the night the clocks go back lasts an hour longer.
- ``add(start, seconds)`` is the earliest instant at which ``seconds`` of open time have
  passed since ``start``. It never lands in closed time after the last open second.
- ``add_working_days(start, n)``: the end of the open time of the n-th working day (a date
  with any open time) after the start's date; n = 0 means the end of the start's own
  working day if it still has open time after ``start``, else the next working day's end.

How it stays fast: wall-clock time is counted in seconds since 1970-01-01 *as if* UTC
("local seconds"); for every day of the years in use there is a prefix sum of open seconds
and one of working days, so finding where a target is reached is a ``bisect`` in a list,
however many weeks, holidays and closures it spans. The zone's UTC offset changes (DST) split
the timeline into segments of constant offset; inside one, local seconds are UTC seconds
plus the offset. Years are compiled lazily, one at a time (holidays come per year).

A calendar with no open time (no slots and no future extra opening) raises ``NoOpenTime``
instead of searching forever; so does any target not reached within ``HORIZON_YEARS``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = 86_400
WEEK = 7 * DAY
#: 1970-01-01 as a proleptic Gregorian ordinal, and its weekday (Thursday = 3).
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
#: How far past the start a target may lie before the calendar is declared closed for good.
HORIZON_YEARS = 60


class NoOpenTime(ValueError):
    """The calendar has no open time in which the target could be reached."""


Interval = tuple[int, int]


@dataclass(frozen=True)
class Slot:
    """Open on ``weekday`` (0 = Monday) from ``start`` to ``end`` minutes after midnight.

    ``end <= start`` means the slot crosses midnight and ends on the next day; ``0-1440`` is
    the whole day.
    """

    weekday: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if not (0 <= self.start < 1440 and 0 <= self.end <= 1440):
            raise ValueError("slot times must lie between 00:00 and 24:00")


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _subtract(intervals: list[Interval], cut: Interval) -> list[Interval]:
    cs, ce = cut
    out: list[Interval] = []
    for s, e in intervals:
        if ce <= s or cs >= e:
            out.append((s, e))
            continue
        if s < cs:
            out.append((s, cs))
        if ce < e:
            out.append((ce, e))
    return out


def local_seconds(wall: datetime) -> int:
    """A naive wall-clock datetime as local seconds."""
    return (wall - _EPOCH_NAIVE) // timedelta(seconds=1)


def utc_seconds(at: datetime) -> int:
    """An aware datetime as whole UTC seconds (sub-second parts dropped)."""
    return math.floor(at.timestamp())


def from_utc_seconds(s: int) -> datetime:
    return datetime.fromtimestamp(s, UTC)


def _year_start_day(year: int) -> int:
    return date(year, 1, 1).toordinal() - _EPOCH_ORD


@lru_cache(maxsize=4096)
def _zone_year(tz_name: str, year: int) -> tuple[tuple[int, int], ...]:
    """The offset changes of a zone during one UTC year: ((utc second, offset after), ...).

    zoneinfo exposes no transition list, so offsets are sampled every 6 hours and each change
    is narrowed to the second by bisection (no zone changes its offset twice in 6 hours).
    """
    tz = ZoneInfo(tz_name)
    start = utc_seconds(datetime(year, 1, 1, tzinfo=UTC))
    end = utc_seconds(datetime(year + 1, 1, 1, tzinfo=UTC))

    def off(u: int) -> int:
        delta = from_utc_seconds(u).astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    out: list[tuple[int, int]] = []
    step = 6 * 3600
    prev_u, prev_off = start, off(start)
    u = start
    while u < end:
        u = min(u + step, end)
        cur = off(u)
        if cur != prev_off:
            lo, hi = prev_u, u  # off(lo) == prev_off, off(hi) == cur
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if off(mid) == prev_off:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, cur))
        prev_u, prev_off = u, cur
    return tuple(out)


def _offset_at_year_start(tz_name: str, year: int) -> int:
    delta = datetime(year, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(tz_name)).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


class BusinessCalendar:
    """A compiled calendar. Not thread-safe while it compiles new years: keep one per thread
    (the SLA services cache them per thread)."""

    def __init__(
        self,
        *,
        tz: str,
        slots: Iterable[Slot],
        holidays: Callable[[int], Iterable[date]] | None = None,
        closures: Iterable[tuple[datetime, datetime]] = (),
        openings: Iterable[tuple[datetime, datetime]] = (),
    ) -> None:
        """``closures`` and ``openings`` are naive wall-clock ranges ``[from, to)``;
        ``holidays(year)`` gives the closed dates of a year."""
        self.tz_name = tz
        self.tz = ZoneInfo(tz)
        week: list[Interval] = []
        for slot in slots:
            s = slot.weekday * DAY + slot.start * 60
            e = slot.weekday * DAY + slot.end * 60
            if slot.end <= slot.start:
                e += DAY
            if e > WEEK:
                week += [(s, WEEK), (0, e - WEEK)]
            else:
                week.append((s, e))
        week = _merge(week)
        self.week_seconds = sum(e - s for s, e in week)
        self._template: list[tuple[Interval, ...]] = []
        for wd in range(7):
            lo, hi = wd * DAY, (wd + 1) * DAY
            self._template.append(
                tuple((max(s, lo) - lo, min(e, hi) - lo) for s, e in week if s < hi and e > lo)
            )
        self._holidays = holidays
        self._closures = [(local_seconds(a), local_seconds(b)) for a, b in closures if b > a]
        self._openings = [(local_seconds(a), local_seconds(b)) for a, b in openings if b > a]
        self._last_opening = max((b for _a, b in self._openings), default=None)
        # Compiled range: days [base, base + ndays) and the zone's changes in those years.
        self._y0 = self._y1 = 0
        self._base = 0
        self._cum: list[int] = [0]
        self._wcum: list[int] = [0]
        self._days: list[tuple[Interval, ...]] = []
        self._trans: list[int] = []
        self._offs: list[int] = []
        self._lo = self._hi = 0  # days d with _lo <= d < _hi need no compilation
        self._range_end = 0

    # --- compilation ---------------------------------------------------------------------

    def _compile_days(self, y0: int, y1: int) -> None:
        base = _year_start_day(y0)
        end = _year_start_day(y1 + 1)
        days: list[tuple[Interval, ...]] = [self._template[(d + 3) % 7] for d in range(base, end)]
        touched: dict[int, list[Interval]] = {}
        if self._holidays is not None:
            for year in range(y0, y1 + 1):
                for h in self._holidays(year):
                    d = h.toordinal() - _EPOCH_ORD
                    if base <= d < end:
                        touched[d] = []
        for a, b in self._openings:
            for d in range(max(a // DAY, base), min((b - 1) // DAY + 1, end)):
                ivs = touched.get(d)
                if ivs is None:
                    ivs = touched[d] = list(days[d - base])
                ivs.append((max(a - d * DAY, 0), min(b - d * DAY, DAY)))
        for a, b in self._closures:
            for d in range(max(a // DAY, base), min((b - 1) // DAY + 1, end)):
                ivs = touched.get(d)
                if ivs is None:
                    ivs = touched[d] = list(days[d - base])
                touched[d] = _subtract(_merge(ivs), (a - d * DAY, b - d * DAY))
        for d, changed in touched.items():
            days[d - base] = tuple(_merge(changed))
        cum = [0]
        wcum = [0]
        for day in days:
            total = sum(e - s for s, e in day)
            cum.append(cum[-1] + total)
            wcum.append(wcum[-1] + (1 if total else 0))
        trans: list[int] = []
        offs = [_offset_at_year_start(self.tz_name, y0 - 1)]
        for year in range(y0 - 1, y1 + 2):
            for u, off in _zone_year(self.tz_name, year):
                if off != offs[-1]:
                    trans.append(u)
                    offs.append(off)
        self._y0, self._y1, self._base = y0, y1, base
        self._days, self._cum, self._wcum = days, cum, wcum
        self._trans, self._offs = trans, offs
        self._lo, self._hi = base + 1, base + len(days) - 1
        # The compiled days end at local midnight of y1 + 1; stay a day clear of it.
        self._range_end = (base + len(days) - 1) * DAY - 14 * 3600

    def _ensure_day(self, d: int) -> None:
        """Compile the years around local day ``d`` (a year either side, so the zone's
        segments and the days near a year boundary are known)."""
        if self._lo <= d < self._hi:
            return
        year = date.fromordinal(d + _EPOCH_ORD).year
        if not self._days:
            self._compile_days(year - 1, year + 1)
            return
        self._compile_days(min(self._y0, year - 1), max(self._y1, year + 1))

    # --- local time ----------------------------------------------------------------------

    def _day(self, d: int) -> tuple[Interval, ...]:
        return self._days[d - self._base]

    def _cum_at(self, pos: int) -> int:
        """Open seconds from the start of the compiled range to local second ``pos``."""
        d = pos // DAY
        self._ensure_day(d)
        r = pos - d * DAY
        total = self._cum[d - self._base]
        for s, e in self._days[d - self._base]:
            if r <= s:
                break
            total += (r if r < e else e) - s
        return total

    def _pos_for(self, c: int, start_year: int) -> int:
        """The earliest local second at which the running total reaches ``c`` (> 0)."""
        while c > self._cum[-1]:
            self._grow(start_year)
        i = bisect.bisect_left(self._cum, c)
        d = self._base + i - 1
        rem = c - self._cum[i - 1]
        for s, e in self._days[i - 1]:
            if rem <= e - s:
                return d * DAY + s + rem
            rem -= e - s
        raise AssertionError("prefix sums out of step with the day's intervals")

    def _grow(self, start_year: int) -> None:
        """Compile one more year at the end, or give up if no open time can follow."""
        if self._y1 + 1 - start_year > HORIZON_YEARS:
            raise NoOpenTime(f"no open time within {HORIZON_YEARS} years")
        if self.week_seconds == 0:
            last = self._last_opening
            if last is None or last // DAY + 2 < self._base + len(self._days):
                raise NoOpenTime("the calendar has no open time after this date")
        self._compile_days(self._y0, self._y1 + 1)

    # --- zone segments ---------------------------------------------------------------------

    def _segment(self, u: int) -> tuple[int, int | None]:
        """(offset at UTC second ``u``, UTC second its segment ends or None if unknown yet)."""
        i = bisect.bisect_right(self._trans, u)
        end = self._trans[i] if i < len(self._trans) else None
        return self._offs[i], end

    def _range_end_utc(self) -> int:
        return self._range_end

    # --- public API (UTC seconds) ----------------------------------------------------------

    def add_seconds(self, start: int, budget: int) -> int:
        """The UTC second at which ``budget`` seconds of open time have passed since ``start``."""
        if budget <= 0:
            return start
        start_year = from_utc_seconds(start).year
        u = start
        self._ensure_day((u + 14 * 3600) // DAY)
        self._ensure_day((u - 14 * 3600) // DAY)
        while True:
            off, seg_end = self._segment(u)
            range_end = self._range_end_utc()
            stop = range_end if seg_end is None or seg_end > range_end else seg_end
            la = u + off
            ca = self._cum_at(la)
            avail = self._cum_at(stop + off) - ca
            if budget <= avail:
                return self._pos_for(ca + budget, start_year) - off
            budget -= avail
            u = stop
            if stop == range_end:
                self._grow(start_year)

    def between_seconds(self, a: int, b: int) -> int:
        """Open seconds between UTC seconds ``a`` and ``b`` (0 if ``b <= a``)."""
        total = 0
        u = a
        self._ensure_day((u - 14 * 3600) // DAY)
        self._ensure_day((b + 14 * 3600) // DAY)
        while u < b:
            off, seg_end = self._segment(u)
            stop = b if seg_end is None or seg_end > b else seg_end
            total += self._cum_at(stop + off) - self._cum_at(u + off)
            u = stop
        return total

    def to_local(self, u: int) -> int:
        self._ensure_day(u // DAY)
        off, _end = self._segment(u)
        return u + off

    def wall_to_utc(self, pos: int) -> int:
        """A local second as UTC (an ambiguous wall time: its first occurrence; a wall time
        in a spring-forward gap: read with the offset before the change)."""
        before = self._segment(pos - 50_400)[0]  # offsets 14 hours either side
        after = self._segment(pos + 50_400)[0]
        if before == after:
            return pos - before
        valid = [o for o in (before, after) if self._segment(pos - o)[0] == o]
        if len(valid) == 2:  # ambiguous: the first occurrence is the larger offset
            return pos - max(valid)
        return pos - (valid[0] if valid else before)

    def add_working_days_seconds(self, start: int, n: int) -> int:
        """See the module docstring: the end of the n-th working day after start's date."""
        if n < 0:
            raise ValueError("a number of working days cannot be negative")
        pos = self.to_local(start)
        d = pos // DAY
        self._ensure_day(d + 1)
        start_year = from_utc_seconds(start).year
        if n == 0:
            ivs = self._day(d)
            if ivs and ivs[-1][1] > pos - d * DAY:
                return self.wall_to_utc(d * DAY + ivs[-1][1])
            n = 1
        want = self._wcum[d + 1 - self._base] + n
        while want > self._wcum[-1]:
            self._grow(start_year)
        i = bisect.bisect_left(self._wcum, want)
        day = self._base + i - 1
        return self.wall_to_utc(day * DAY + self._days[i - 1][-1][1])

    def add_calendar_days_seconds(self, start: int, n: int) -> int:
        """The same wall-clock time ``n`` dates later."""
        pos = self.to_local(start)
        return self.wall_to_utc(pos + n * DAY)

    # --- public API (datetimes) ------------------------------------------------------------

    def add(self, start: datetime, seconds: int) -> datetime:
        return from_utc_seconds(self.add_seconds(utc_seconds(start), seconds))

    def between(self, a: datetime, b: datetime) -> int:
        return self.between_seconds(utc_seconds(a), utc_seconds(b))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        return from_utc_seconds(self.add_working_days_seconds(utc_seconds(start), n))

    def add_calendar_days(self, start: datetime, n: int) -> datetime:
        return from_utc_seconds(self.add_calendar_days_seconds(utc_seconds(start), n))

    def is_open(self, at: datetime) -> bool:
        pos = self.to_local(utc_seconds(at))
        d = pos // DAY
        r = pos - d * DAY
        return any(s <= r < e for s, e in self._day(d))

    def openings(self, start: datetime, days: int) -> list[tuple[datetime, datetime]]:
        """The open wall-clock intervals of ``days`` dates from start's date (naive local
        datetimes; adjacent intervals across midnight are joined), for previews."""
        d0 = self.to_local(utc_seconds(start)) // DAY
        self._ensure_day(d0 + days + 1)
        out: list[tuple[int, int]] = []
        for d in range(d0, d0 + days):
            for s, e in self._day(d):
                a, b = d * DAY + s, d * DAY + e
                if out and out[-1][1] == a:
                    out[-1] = (out[-1][0], b)
                else:
                    out.append((a, b))
        return [
            (_EPOCH_NAIVE + timedelta(seconds=a), _EPOCH_NAIVE + timedelta(seconds=b))
            for a, b in out
        ]
