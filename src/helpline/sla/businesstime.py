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

How it stays fast: the calendar is compiled in wall-clock time, counted in seconds since
1970-01-01 *as if* UTC ("local seconds"): the open intervals of every date of the years in use
(holidays come per year). The zone's UTC offset changes (DST) split the timeline into segments
of constant offset; inside one, local seconds are UTC seconds plus the offset. From these the
compilation builds, once, arrays in plain UTC seconds: the open stretches with a prefix sum of
open seconds, and per working day its closing instant (see ``_build_utc``). A question is then
integer arithmetic with a ``bisect`` over the few entries of one day (a day index narrows it),
however many weeks, holidays, closures and clock changes the target spans: no zone lookup and
no datetime made per call but the answer: a datetime converts to seconds with one subtraction,
and the answer is a kept datetime (the end of its open stretch, or of its working day: they
repeat) minus a kept ``timedelta`` (made once per number of seconds), which costs a third of
``fromtimestamp``. Years are compiled lazily; an instant or a target outside the compiled years
compiles more and asks again.

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
from itertools import pairwise
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
    """An aware datetime as whole UTC seconds (sub-second parts dropped; a naive one is read
    as the machine's local time, as ``timestamp()`` does)."""
    try:
        delta = at - _EPOCH_UTC
    except TypeError:
        return math.floor(at.timestamp())
    return delta.days * DAY + delta.seconds


def from_utc_seconds(s: int) -> datetime:
    return datetime.fromtimestamp(s, UTC)


# Bound once: the hot paths call this per computation.
_fromts = datetime.fromtimestamp
#: timedelta(seconds=n) for 0 < n < DAY, made on first use (at most a day's worth): a kept
#: datetime minus a kept timedelta costs a third of ``fromtimestamp``, and making the
#: timedelta would cost as much as making the datetime.
_STEPS: dict[int, timedelta] = {}
_bisect_left = bisect.bisect_left
_bisect_right = bisect.bisect_right


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
        self._wcum: list[int] = [0]
        self._days: list[tuple[Interval, ...]] = []
        self._trans: list[int] = []
        self._offs: list[int] = [0]
        self._lo = self._hi = 0  # days d with _lo <= d < _hi need no compilation
        # The UTC arrays (see _build_utc); empty: every lookup falls to the slow path.
        self._ulo = self._uhi = self._dlo = self._nK = 0
        self._P: list[int] = []
        self._C: list[int] = []
        self._total = 0
        self._PD: list[int] = []
        self._BK = 3600
        self._CE: list[int] = []
        self._Q: list[int] = []
        self._WB: list[int] = []
        self._X: list[int] = []
        self._QD: list[int] = []
        self._W: list[int] = []
        self._nW = 0
        self._Wdt: list[datetime | None] = []
        self._Pdt: list[datetime | None] = []

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
        trans: list[int] = []
        offs = [_offset_at_year_start(self.tz_name, y0 - 1)]
        for year in range(y0 - 1, y1 + 2):
            for u, off in _zone_year(self.tz_name, year):
                if off != offs[-1]:
                    trans.append(u)
                    offs.append(off)
        # Wall times skipped when the clocks spring forward are no instant, so no open time:
        # without them, a date open only in the skipped hour is no working day, and a date's
        # open time ends where the skipped hour starts.
        for t, before, after in zip(trans, offs, offs[1:], strict=False):
            if after > before:
                a, b = t + before, t + after
                for d in range(max(a // DAY, base), min((b - 1) // DAY + 1, end)):
                    ivs = touched.get(d)
                    if ivs is None:
                        ivs = touched[d] = list(days[d - base])
                    touched[d] = _subtract(_merge(ivs), (a - d * DAY, b - d * DAY))
        for d, changed in touched.items():
            days[d - base] = tuple(_merge(changed))
        wcum = [0]
        for day in days:
            wcum.append(wcum[-1] + (1 if day else 0))
        self._y0, self._y1, self._base = y0, y1, base
        self._days, self._wcum = days, wcum
        self._trans, self._offs = trans, offs
        self._lo, self._hi = base + 1, base + len(days) - 1
        self._build_utc()

    def _build_utc(self) -> None:
        """The compiled days as UTC arrays, for the hot paths (no zone arithmetic per call).

        Valid for UTC seconds in ``[_ulo, _uhi)``, whole days a day inside the compiled local
        days (so any offset fits); ``_nK`` of them:

        - ``_P``: the open stretches as UTC ``[start, end)`` pairs, flattened and sorted, so
          an even index is a start and an odd one an end. They are the preimage of the local
          open intervals under the zone's offsets: a night slot on the night the clocks go
          back is an hour longer, wall times in a spring-forward gap have no instant.
          Zero-length pairs at ``_ulo`` and ``_uhi`` frame them.
        - ``_C``: the open seconds from ``_ulo`` to each point of ``_P``; ``_total`` the last.
        - ``_PD[k]``: where UTC day k (from ``_ulo``) starts in ``_P`` (``bisect_right``), so
          a lookup bisects the few points of one day; ``_CE[b]``: where ``b * _BK`` open
          seconds fall in ``_C`` (``bisect_left``), ``_BK`` about a day's open time.
        - ``_Q``: the UTC seconds where the local date (or the offset) changes; for the
          piece starting at ``_Q[i]``: ``_WB[i]`` the working days up to and including its
          date, ``_X[i]`` the UTC second its date's open time ends when read with the piece's
          offset (``_ulo - 1`` if the date has none). ``_QD[k]``: as ``_PD`` for ``_Q``.
        - ``_W[m]``: the UTC end of the m-th working day of the range (1-based), and
          ``_Wdt[m]`` the same as a datetime once asked for (working-day deadlines repeat);
          ``_Pdt[j]`` likewise for the points of ``_P``.
        """
        base, days, wcum = self._base, self._days, self._wcum
        ulo = (base + 1) * DAY
        uhi = (base + len(days) - 1) * DAY
        trans, offs = self._trans, self._offs
        cuts = [ulo, *(t for t in trans if ulo < t < uhi), uhi]
        points, cum = [ulo, ulo], [0, 0]
        total = 0
        starts: list[int] = []
        wbefore: list[int] = []
        ends: list[int] = []
        for a, b in pairwise(cuts):
            o = offs[bisect.bisect_right(trans, a)]
            la, lb = a + o, b + o  # the segment's local window
            first, last = la // DAY, (lb - 1) // DAY
            for d in range(first, last + 1):
                day = days[d - base]
                # The piece of this segment on date d: local date and offset constant.
                starts.append(a if d == first else d * DAY - o)
                wbefore.append(wcum[d + 1 - base])
                ends.append(d * DAY + day[-1][1] - o if day else ulo - 1)
                for s, e in day:
                    lo = d * DAY + s
                    hi = d * DAY + e
                    if lo < la:
                        lo = la
                    if hi > lb:
                        hi = lb
                    if lo >= hi:
                        continue
                    lo -= o
                    hi -= o
                    if points[-1] == lo:  # touching the previous stretch: extend it
                        points[-1] = hi
                        total += hi - lo
                        cum[-1] = total
                    else:
                        points.append(lo)
                        cum.append(total)
                        total += hi - lo
                        points.append(hi)
                        cum.append(total)
        points += [uhi, uhi]
        cum += [total, total]
        starts.append(uhi)
        wbefore.append(0)
        ends.append(0)
        nk = (uhi - ulo) // DAY
        bucket = max(3600, total // max(nk, 1))
        working = [0]
        ti, ntrans = 0, len(trans)
        for k, day in enumerate(days):
            if day:
                pos = (base + k) * DAY + day[-1][1]
                while ti < ntrans and trans[ti] <= pos - 50_400:
                    ti += 1
                if ti == ntrans or trans[ti] > pos + 50_400:  # no change near: as wall_to_utc
                    working.append(pos - offs[ti])
                else:
                    working.append(self.wall_to_utc(pos))
        self._ulo, self._uhi, self._dlo, self._nK = ulo, uhi, base + 1, nk
        self._P, self._C, self._total = points, cum, total
        self._PD = [bisect.bisect_right(points, ulo + k * DAY) for k in range(nk + 1)]
        self._BK = bucket
        self._CE = [bisect.bisect_left(cum, b * bucket) for b in range(total // bucket + 2)]
        self._Q, self._WB, self._X = starts, wbefore, ends
        self._QD = [bisect.bisect_right(starts, ulo + k * DAY) for k in range(nk + 1)]
        self._W, self._nW = working, len(working)
        self._Wdt = [None] * len(working)
        self._Pdt = [None] * len(points)

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

    def _cover(self, u: int) -> None:
        """Compile the years needed for UTC second ``u`` to lie in ``[_ulo, _uhi)``."""
        self._ensure_day((u + 14 * 3600) // DAY)
        self._ensure_day((u - 14 * 3600) // DAY)

    def _grow(self, start_year: int) -> None:
        """Compile more years at the end, or give up if no open time can follow."""
        if self._y1 + 1 - start_year > HORIZON_YEARS:
            raise NoOpenTime(f"no open time within {HORIZON_YEARS} years")
        if self.week_seconds == 0:
            last = self._last_opening
            if last is None or last // DAY + 2 < self._base + len(self._days):
                raise NoOpenTime("the calendar has no open time after this date")
        # Half the compiled span at a time (at least a year), so a target that runs far
        # ahead compiles a few times rather than once a year; never past the horizon.
        step = max(1, (self._y1 - self._y0 + 1) // 2)
        self._compile_days(self._y0, min(self._y1 + step, start_year + HORIZON_YEARS))

    # --- local time ----------------------------------------------------------------------

    def _day(self, d: int) -> tuple[Interval, ...]:
        return self._days[d - self._base]

    # --- zone segments ---------------------------------------------------------------------

    def _segment(self, u: int) -> tuple[int, int | None]:
        """(offset at UTC second ``u``, UTC second its segment ends or None if unknown yet)."""
        i = bisect.bisect_right(self._trans, u)
        end = self._trans[i] if i < len(self._trans) else None
        return self._offs[i], end

    # --- the UTC-array lookups ------------------------------------------------------------
    # The public methods inline these (a method call costs as much as a lookup) and fall back
    # to the slow path, which compiles the years needed, outside the compiled range.

    def _add_in_range(self, u: int, budget: int) -> int | None:
        """``add_seconds`` if ``u`` and the deadline lie in the compiled range, else None."""
        k = (u - self._ulo) // DAY
        if 0 <= k < self._nK:
            points, pd, cum = self._P, self._PD, self._C
            i = _bisect_right(points, u, pd[k], pd[k + 1])
            t = cum[i - 1] + budget
            if i & 1:  # u lies in the open stretch starting at points[i - 1]
                t += u - points[i - 1]
            if t <= self._total:
                ce = self._CE
                b = t // self._BK
                j = _bisect_left(cum, t, ce[b], ce[b + 1])  # odd: the end of t's stretch
                return points[j] - cum[j] + t
        return None

    def _working_day_index(self, u: int, n: int) -> int | None:
        """The index in ``_W`` of ``add_working_days_seconds(u, n)``, None outside."""
        k = (u - self._ulo) // DAY
        if n >= 0 and 0 <= k < self._nK:
            qd = self._QD
            i = _bisect_right(self._Q, u, qd[k], qd[k + 1]) - 1
            want = self._WB[i] + (n or (0 if u < self._X[i] else 1))
            if want < self._nW:
                return want
        return None

    def _add_slow(self, u: int, budget: int) -> int:
        start_year = from_utc_seconds(u).year
        self._cover(u)
        while (due := self._add_in_range(u, budget)) is None:
            self._grow(start_year)
        return due

    def _working_day_slow(self, u: int, n: int) -> int:
        if n < 0:
            raise ValueError("a number of working days cannot be negative")
        start_year = from_utc_seconds(u).year
        self._cover(u)
        while (want := self._working_day_index(u, n)) is None:
            self._grow(start_year)
        return want

    # --- public API (UTC seconds) ----------------------------------------------------------

    def add_seconds(self, start: int, budget: int) -> int:
        """The UTC second at which ``budget`` seconds of open time have passed since ``start``."""
        if budget <= 0:
            return start
        k = (start - self._ulo) // DAY
        if 0 <= k < self._nK:  # inline _add_in_range
            points, pd, cum = self._P, self._PD, self._C
            i = _bisect_right(points, start, pd[k], pd[k + 1])
            t = cum[i - 1] + budget
            if i & 1:
                t += start - points[i - 1]
            if t <= self._total:
                ce = self._CE
                b = t // self._BK
                j = _bisect_left(cum, t, ce[b], ce[b + 1])
                return points[j] - cum[j] + t
        return self._add_slow(start, budget)

    def between_seconds(self, a: int, b: int) -> int:
        """Open seconds between UTC seconds ``a`` and ``b`` (0 if ``b <= a``)."""
        if b <= a:
            return 0
        ulo = self._ulo
        if not (ulo <= a and b < self._uhi):
            self._cover(a)
            self._cover(b)
            ulo = self._ulo
        points, pd, cum = self._P, self._PD, self._C
        k = (a - ulo) // DAY
        i = _bisect_right(points, a, pd[k], pd[k + 1])
        ca = cum[i - 1] + a - points[i - 1] if i & 1 else cum[i - 1]
        k = (b - ulo) // DAY
        i = _bisect_right(points, b, pd[k], pd[k + 1])
        cb = cum[i - 1] + b - points[i - 1] if i & 1 else cum[i - 1]
        return cb - ca

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
        k = (start - self._ulo) // DAY
        if n >= 0 and 0 <= k < self._nK:  # inline _working_day_index
            qd = self._QD
            i = _bisect_right(self._Q, start, qd[k], qd[k + 1]) - 1
            want = self._WB[i] + (n or (0 if start < self._X[i] else 1))
            if want < self._nW:
                return self._W[want]
        want = self._working_day_slow(start, n)  # recompiles: read _W afterwards
        return self._W[want]

    def add_calendar_days_seconds(self, start: int, n: int) -> int:
        """The same wall-clock time ``n`` dates later."""
        pos = self.to_local(start)
        return self.wall_to_utc(pos + n * DAY)

    # --- public API (datetimes) ------------------------------------------------------------
    # Converted at the edges: one subtraction in; out, a kept datetime (see _STEPS).

    def add(self, start: datetime, seconds: int) -> datetime:
        try:  # utc_seconds(start), inline
            delta = start - _EPOCH_UTC
        except TypeError:
            delta = timedelta(seconds=utc_seconds(start))
        u = delta.days * DAY + delta.seconds
        if seconds <= 0:
            return _fromts(u, UTC)
        k = delta.days - self._dlo  # (u - _ulo) // DAY
        if 0 <= k < self._nK:  # inline _add_in_range
            points, pd, cum = self._P, self._PD, self._C
            i = _bisect_right(points, u, pd[k], pd[k + 1])
            t = cum[i - 1] + seconds
            if i & 1:
                t += u - points[i - 1]
            if t <= self._total:
                ce = self._CE
                b = t // self._BK
                j = _bisect_left(cum, t, ce[b], ce[b + 1])
                due = self._Pdt[j]  # the stretch's end as a datetime, kept: they repeat
                if due is None:
                    due = self._Pdt[j] = _fromts(points[j], UTC)
                back = cum[j] - t  # the deadline lies this far before the stretch's end
                if back:
                    step = _STEPS.get(back)
                    if step is None:
                        if back >= DAY:
                            return _fromts(points[j] - back, UTC)
                        step = _STEPS[back] = timedelta(seconds=back)
                    return due - step
                return due
        return _fromts(self._add_slow(u, seconds), UTC)

    def between(self, a: datetime, b: datetime) -> int:
        return self.between_seconds(utc_seconds(a), utc_seconds(b))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        try:  # utc_seconds(start), inline
            delta = start - _EPOCH_UTC
        except TypeError:
            delta = timedelta(seconds=utc_seconds(start))
        u = delta.days * DAY + delta.seconds
        k = delta.days - self._dlo  # (u - _ulo) // DAY
        if n >= 0 and 0 <= k < self._nK:  # inline _working_day_index
            qd = self._QD
            i = _bisect_right(self._Q, u, qd[k], qd[k + 1]) - 1
            want = self._WB[i] + (n or (0 if u < self._X[i] else 1))
            if want >= self._nW:
                want = self._working_day_slow(u, n)
        else:
            want = self._working_day_slow(u, n)
        due = self._Wdt[want]
        if due is None:
            due = self._Wdt[want] = _fromts(self._W[want], UTC)
        return due

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
