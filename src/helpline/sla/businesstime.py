"""Business-time arithmetic: when is a target of so much open time reached, and how much open
time lies between two instants, on a calendar of weekly slots, holidays, closures and extra
openings in a time zone. Pure Python, no database: the SLA services compile a calendar once
and ask it many questions.

Definitions (the hypothesis tests check them against a minute-by-minute reference):

- A slot belongs to the date it starts on: a slot crossing midnight (22:00-06:00) is open
  from 22:00 of its date to 06:00 of the next, and all of it is that date's open time. A
  holiday closes the open time of the slots starting on it, the part after midnight too; the
  part after midnight of the day before's night slot stays open. Extra openings add to the
  wall-clock date they fall on (time a night slot of the day before already covers stays the
  day before's), and a closure then removes time whatever date it belongs to (closure wins).
  A date with any open time is a *working day*; its *close* is the end of its last open
  instant (after midnight for a night slot; on the night the clocks go back, the second
  occurrence of a wall time in the repeated hour).
- An instant is *open* when it lies in the open time of some date. Business time between two
  instants is the real (UTC) duration of the open instants between them, so a night slot on
  the night the clocks go back lasts an hour longer; wall times skipped when they spring
  forward are no open time (a date open only then is no working day).
- ``add(start, seconds)`` is the earliest instant at which ``seconds`` of open time have
  passed since ``start``. It never lands in closed time after the last open second.
- ``add_working_days(start, n)``: the start's *day of receipt* is its wall-clock date, or
  the day before while the day before's night slot has not closed yet (before that date's
  close). n >= 1: the close of the n-th working day after the day of receipt; n = 0: the
  close of the day of receipt if it is a working day not yet closed, else the next working
  day's close. Never before the start.

How it stays fast: the calendar is compiled in wall-clock time, counted in seconds since
1970-01-01 *as if* UTC ("local seconds"): the open intervals of every date of the years in use
(holidays come per year), relative to the date's midnight (up to two days long: a night slot
ends on the next date). The zone's UTC offset changes (DST) split the timeline into segments
of constant offset; inside one, local seconds are UTC seconds plus the offset. From these the
compilation builds, once, arrays in plain UTC seconds (see ``_build_utc`` for their names):
the open stretches with a prefix sum of open seconds, and per date when its day of receipt
starts, how many working days precede it and when it closes. A question is then integer
arithmetic with a ``bisect`` over the few entries of one day (a day index narrows it),
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


def _tail_end(intervals: Iterable[Interval]) -> int:
    """How far past the next midnight a date's open time runs (0 if it ends by midnight)."""
    last = max((e for _s, e in intervals), default=0)
    return last - DAY if last > DAY else 0


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
        own: list[list[Interval]] = [[] for _ in range(7)]
        for slot in slots:
            s, e = slot.start * 60, slot.end * 60
            if slot.end <= slot.start:
                e += DAY
            own[slot.weekday].append((s, e))
        #: Per weekday, the open time of the slots starting on it (relative to its midnight,
        #: up to two days long), before and after removing what the day before's night slot
        #: already covers (that time is the day before's).
        self._slot_week: list[list[Interval]] = [_merge(ivs) for ivs in own]
        self._week: list[tuple[Interval, ...]] = [
            tuple(_subtract(self._slot_week[wd], (0, _tail_end(self._slot_week[wd - 1]))))
            for wd in range(7)
        ]
        self.week_seconds = sum(e - s for day in self._week for s, e in day)
        self._holidays = holidays
        self._closures = [(local_seconds(a), local_seconds(b)) for a, b in closures if b > a]
        self._openings = [(local_seconds(a), local_seconds(b)) for a, b in openings if b > a]
        self._last_opening = max((b for _a, b in self._openings), default=None)
        # Compiled range: local days [base, base + len(days)) and the zone's changes.
        self._y0 = self._y1 = 0
        self._base = 0
        self._days: list[tuple[Interval, ...]] = []
        self._trans: list[int] = []
        self._offs: list[int] = [0]
        self._lo = self._hi = 0  # days d with _lo <= d < _hi need no compilation
        # The UTC arrays (see _build_utc); empty: every lookup compiles first.
        self._range_start = self._range_end = self._range_days = 0
        self._edges: list[int] = []
        self._open_before: list[int] = []
        self._open_total = 0
        self._edges_by_day: list[int] = []
        self._bucket = 3600
        self._edges_by_bucket: list[int] = []
        self._receipt_starts: list[int] = []
        self._receipt_working_days: list[int] = []
        self._receipt_close: list[int] = []
        self._receipts_by_day: list[int] = []
        self._closes: list[int] = []
        self._close_datetimes: list[datetime | None] = []
        self._edge_datetimes: list[datetime | None] = []

    # --- compilation ---------------------------------------------------------------------

    def _compile_days(self, y0: int, y1: int) -> None:
        base = _year_start_day(y0)
        end = _year_start_day(y1 + 1)
        days: list[tuple[Interval, ...]] = [self._week[(d + 3) % 7] for d in range(base, end)]
        # Dates whose own slot time differs from their weekday's: holidays, extra openings.
        own: dict[int, list[Interval]] = {}
        if self._holidays is not None:
            for year in range(y0, y1 + 1):
                for h in self._holidays(year):
                    d = h.toordinal() - _EPOCH_ORD
                    if base - 1 <= d < end:
                        own[d] = []
        for a, b in self._openings:
            for d in range(max(a // DAY, base - 1), min((b - 1) // DAY + 1, end)):
                ivs = own.get(d)
                if ivs is None:
                    ivs = own[d] = list(self._slot_week[(d + 3) % 7])
                ivs.append((max(a - d * DAY, 0), min(b - d * DAY, DAY)))
        touched: dict[int, list[Interval]] = {}
        for d in sorted({*own, *(d + 1 for d in own)}):
            if not base <= d < end:
                continue
            mine = own.get(d)
            before = own.get(d - 1)
            if before is None:
                before = self._slot_week[(d + 2) % 7]
            ivs = _merge(mine if mine is not None else self._slot_week[(d + 3) % 7])
            touched[d] = _subtract(ivs, (0, _tail_end(before)))

        def cut(a: int, b: int) -> None:
            # A date's open time reaches into the next date: look one date back.
            for d in range(max(a // DAY - 1, base), min((b - 1) // DAY + 1, end)):
                ivs = touched.get(d)
                if ivs is None:
                    ivs = list(days[d - base])
                touched[d] = _subtract(ivs, (a - d * DAY, b - d * DAY))

        for a, b in self._closures:
            cut(a, b)
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
        for t, before_off, after_off in zip(trans, offs, offs[1:], strict=False):
            if after_off > before_off:
                cut(t + before_off, t + after_off)
        for d, changed in touched.items():
            days[d - base] = tuple(changed)
        self._y0, self._y1, self._base = y0, y1, base
        self._days = days
        self._trans, self._offs = trans, offs
        self._lo, self._hi = base + 1, base + len(days) - 1
        self._build_utc()

    def _build_utc(self) -> None:
        """The compiled days as UTC arrays, for the lookups (no zone arithmetic per call).

        Valid for UTC seconds in ``[_range_start, _range_end)``, whole days a day inside the
        compiled local days (so any offset fits); ``_range_days`` of them:

        - ``_edges``: the open stretches as UTC ``[start, end)`` pairs, flattened and sorted,
          so an even index is a start and an odd one an end. They are the preimage of the
          local open intervals under the zone's offsets: a night slot on the night the clocks
          go back is an hour longer, wall times in a spring-forward gap have no instant.
          Zero-length pairs at the range's start and end frame them.
        - ``_open_before``: the open seconds from the range's start to each edge;
          ``_open_total`` the last.
        - ``_edges_by_day[k]``: where UTC day k (from the range's start) starts in ``_edges``
          (``bisect_right``), so a lookup bisects the few edges of one day;
          ``_edges_by_bucket[b]``: where ``b * _bucket`` open seconds fall in
          ``_open_before`` (``bisect_left``), ``_bucket`` about a day's open time.
        - Per compiled date (from the first): ``_receipt_starts``, the UTC second from which
          it is the day of receipt (its first instant, or the day before's close if later);
          ``_receipt_working_days``, the working days of the range up to and including it;
          ``_receipt_close``, its close (``_range_start - 1`` if it is no working day).
          ``_receipts_by_day``: as ``_edges_by_day`` for ``_receipt_starts``.
        - ``_closes[m]``: the close of the m-th working day of the range (1-based), and
          ``_close_datetimes[m]`` the same as a datetime once asked for (working-day
          deadlines repeat); ``_edge_datetimes[j]`` likewise for ``_edges``.
        """
        base, days = self._base, self._days
        ulo = (base + 1) * DAY
        uhi = (base + len(days) - 1) * DAY
        trans, offs = self._trans, self._offs
        cuts = [ulo, *(t for t in trans if ulo < t < uhi), uhi]
        edges, before = [ulo, ulo], [0, 0]
        total = 0
        for a, b in pairwise(cuts):
            o = offs[bisect.bisect_right(trans, a)]
            la, lb = a + o, b + o  # the segment's local window
            # Dates in local order, their intervals in order: sorted (the day before's night
            # part precedes the date's own time, which starts where it ends).
            for d in range(max(la // DAY - 1, base), (lb - 1) // DAY + 1):
                for s, e in days[d - base]:
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
                    if edges[-1] == lo:  # touching the previous stretch: extend it
                        edges[-1] = hi
                        total += hi - lo
                        before[-1] = total
                    else:
                        edges.append(lo)
                        before.append(total)
                        total += hi - lo
                        edges.append(hi)
                        before.append(total)
        edges += [uhi, uhi]
        before += [total, total]
        nk = (uhi - ulo) // DAY
        bucket = max(3600, total // max(nk, 1))
        closes = [0]
        starts: list[int] = []
        working: list[int] = []
        day_close: list[int] = []
        previous_close: int | None = None
        for k, day in enumerate(days):
            midnight = (base + k) * DAY
            first = self._wall_instants(midnight)[0]
            starts.append(first if previous_close is None else max(first, previous_close))
            if day:
                previous_close = self._close_instant(midnight + day[-1][1])
                closes.append(previous_close)
                day_close.append(previous_close)
            else:
                previous_close = None
                day_close.append(ulo - 1)
            working.append(len(closes) - 1)
        self._range_start, self._range_end, self._range_days = ulo, uhi, nk
        self._edges, self._open_before, self._open_total = edges, before, total
        self._edges_by_day = [bisect.bisect_right(edges, ulo + k * DAY) for k in range(nk + 1)]
        self._bucket = bucket
        self._edges_by_bucket = [
            bisect.bisect_left(before, b * bucket) for b in range(total // bucket + 2)
        ]
        self._receipt_starts, self._receipt_working_days = starts, working
        self._receipt_close = day_close
        self._receipts_by_day = [bisect.bisect_right(starts, ulo + k * DAY) for k in range(nk + 1)]
        self._closes = closes
        self._close_datetimes = [None] * len(closes)
        self._edge_datetimes = [None] * len(edges)

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
        """Compile the years needed for UTC second ``u`` to lie in the UTC arrays' range."""
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

    def _segment(self, u: int) -> tuple[int, int | None]:
        """(offset at UTC second ``u``, UTC second its segment ends or None if unknown yet)."""
        i = bisect.bisect_right(self._trans, u)
        end = self._trans[i] if i < len(self._trans) else None
        return self._offs[i], end

    def _wall_instants(self, pos: int) -> tuple[int, int]:
        """The first and the last UTC second reading local second ``pos`` (they differ in
        the hour repeated when the clocks go back). A wall time skipped when they spring
        forward reads as the change itself: the first instant after it."""
        before = self._segment(pos - 50_400)[0]  # offsets lie within 14 hours
        after = self._segment(pos + 50_400)[0]
        if before == after:
            return pos - before, pos - before
        valid = [o for o in (before, after) if self._segment(pos - o)[0] == o]
        if valid:
            return pos - max(valid), pos - min(valid)
        change = self._trans[bisect.bisect_right(self._trans, pos - after)]
        return change, change

    def _close_instant(self, end: int) -> int:
        """The UTC second an open interval ending at local second ``end`` closes: after the
        last reading of its last open second (in the repeated hour, the second one)."""
        return self._wall_instants(end - 1)[1] + 1

    def to_local(self, u: int) -> int:
        self._ensure_day(u // DAY)
        off, _end = self._segment(u)
        return u + off

    def wall_to_utc(self, pos: int) -> int:
        """A local second as UTC (an ambiguous wall time: its first occurrence; a wall time
        in a spring-forward gap: read with the offset before the change)."""
        before = self._segment(pos - 50_400)[0]
        first, _last = self._wall_instants(pos)
        if self._segment(first)[0] + first != pos:  # skipped
            return pos - before
        return first

    # --- the lookups (one copy each; outside the compiled range they answer None) -----------

    def _deadline_edge(self, u: int, budget: int) -> tuple[int, int] | None:
        """``(j, back)``: ``budget`` open seconds after ``u`` are reached ``back`` seconds
        before ``_edges[j]`` (the end of that stretch); None outside the compiled range."""
        k = (u - self._range_start) // DAY
        if 0 <= k < self._range_days:
            edges, by_day, before = self._edges, self._edges_by_day, self._open_before
            i = _bisect_right(edges, u, by_day[k], by_day[k + 1])
            t = before[i - 1] + budget
            if i & 1:  # u lies in the open stretch starting at edges[i - 1]
                t += u - edges[i - 1]
            if t <= self._open_total:
                by_bucket = self._edges_by_bucket
                b = t // self._bucket
                j = _bisect_left(before, t, by_bucket[b], by_bucket[b + 1])  # odd: an end
                return j, before[j] - t
        return None

    def _open_seconds_to(self, u: int) -> int:
        """Open seconds from the range's start to ``u`` (compiled range only)."""
        k = (u - self._range_start) // DAY
        edges = self._edges
        i = _bisect_right(edges, u, self._edges_by_day[k], self._edges_by_day[k + 1])
        if i & 1:
            return self._open_before[i - 1] + u - edges[i - 1]
        return self._open_before[i - 1]

    def _close_index(self, u: int, n: int) -> int | None:
        """The index in ``_closes`` of ``add_working_days_seconds(u, n)``, None outside."""
        k = (u - self._range_start) // DAY
        if n >= 0 and 0 <= k < self._range_days:
            by_day = self._receipts_by_day
            i = _bisect_right(self._receipt_starts, u, by_day[k], by_day[k + 1]) - 1
            want = self._receipt_working_days[i] + (n or (0 if u < self._receipt_close[i] else 1))
            if want < len(self._closes):
                return want
        return None

    def _deadline_slow(self, u: int, budget: int) -> tuple[int, int]:
        """``_deadline_edge`` after compiling the years it needs."""
        start_year = from_utc_seconds(u).year
        self._cover(u)
        while (found := self._deadline_edge(u, budget)) is None:
            self._grow(start_year)
        return found

    def _working_day_slow(self, u: int, n: int) -> int:
        """``_close_index`` after compiling the years it needs."""
        if n < 0:
            raise ValueError("a number of working days cannot be negative")
        start_year = from_utc_seconds(u).year
        self._cover(u)
        while (found := self._close_index(u, n)) is None:
            self._grow(start_year)
        return found

    # --- public API (UTC seconds) ----------------------------------------------------------

    def add_seconds(self, start: int, budget: int) -> int:
        """The UTC second at which ``budget`` seconds of open time have passed since ``start``."""
        if budget <= 0:
            return start
        j, back = self._deadline_edge(start, budget) or self._deadline_slow(start, budget)
        return self._edges[j] - back

    def between_seconds(self, a: int, b: int) -> int:
        """Open seconds between UTC seconds ``a`` and ``b`` (0 if ``b <= a``)."""
        if b <= a:
            return 0
        if not (self._range_start <= a and b < self._range_end):
            self._cover(a)
            self._cover(b)
        return self._open_seconds_to(b) - self._open_seconds_to(a)

    def add_working_days_seconds(self, start: int, n: int) -> int:
        """See the module docstring: the close of the n-th working day after the day of
        receipt."""
        m = self._close_index(start, n)
        if m is None:
            m = self._working_day_slow(start, n)  # recompiles: read _closes afterwards
        return self._closes[m]

    def add_calendar_days_seconds(self, start: int, n: int) -> int:
        """The same wall-clock time ``n`` dates later."""
        pos = self.to_local(start)
        return self.wall_to_utc(pos + n * DAY)

    # --- public API (datetimes) ------------------------------------------------------------
    # Converted at the edges: one subtraction in; out, a kept datetime (see _STEPS).

    def add(self, start: datetime, seconds: int) -> datetime:
        try:  # utc_seconds(start), inline
            delta = start - _EPOCH_UTC
            u = delta.days * DAY + delta.seconds
        except TypeError:
            u = utc_seconds(start)
        if seconds <= 0:
            return _fromts(u, UTC)
        j, back = self._deadline_edge(u, seconds) or self._deadline_slow(u, seconds)
        due = self._edge_datetimes[j]  # the stretch's end as a datetime, kept: they repeat
        if due is None:
            due = self._edge_datetimes[j] = _fromts(self._edges[j], UTC)
        if not back:
            return due
        step = _STEPS.get(back)
        if step is None:
            if back >= DAY:
                return _fromts(self._edges[j] - back, UTC)
            step = _STEPS[back] = timedelta(seconds=back)
        return due - step

    def between(self, a: datetime, b: datetime) -> int:
        return self.between_seconds(utc_seconds(a), utc_seconds(b))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        try:  # utc_seconds(start), inline
            delta = start - _EPOCH_UTC
            u = delta.days * DAY + delta.seconds
        except TypeError:
            u = utc_seconds(start)
        m = self._close_index(u, n)
        if m is None:
            m = self._working_day_slow(u, n)
        due = self._close_datetimes[m]
        if due is None:
            due = self._close_datetimes[m] = _fromts(self._closes[m], UTC)
        return due

    def add_calendar_days(self, start: datetime, n: int) -> datetime:
        return from_utc_seconds(self.add_calendar_days_seconds(utc_seconds(start), n))

    def is_open(self, at: datetime) -> bool:
        pos = self.to_local(utc_seconds(at))
        d = pos // DAY
        self._ensure_day(d - 1)
        r = pos - d * DAY
        return any(s <= r < e for s, e in self._day(d)) or any(
            s <= r + DAY < e for s, e in self._day(d - 1)
        )

    def _local_intervals(self, d0: int, days: int) -> list[tuple[int, int, int]]:
        """(date, from, to) in local seconds: the open time of the dates ``[d0, d0 + days)``
        and the part after ``d0``'s midnight of the day before's."""
        self._ensure_day(d0 + days + 1)
        self._ensure_day(d0 - 1)
        out: list[tuple[int, int, int]] = []
        for d in range(d0 - 1, d0 + days):
            for s, e in self._day(d):
                a, b = max(d * DAY + s, d0 * DAY), d * DAY + e
                if a < b:
                    out.append((d, a, b))
        return out

    def openings(self, start: datetime, days: int) -> list[tuple[datetime, datetime]]:
        """The open wall-clock intervals from start's date for ``days`` dates (naive local
        datetimes; adjacent intervals across midnight are joined), for previews."""
        d0 = self.to_local(utc_seconds(start)) // DAY
        out: list[tuple[int, int]] = []
        for _d, a, b in self._local_intervals(d0, days):
            if out and out[-1][1] == a:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
        return [
            (_EPOCH_NAIVE + timedelta(seconds=a), _EPOCH_NAIVE + timedelta(seconds=b))
            for a, b in out
        ]

    def working_days_open_between(self, a: datetime, b: datetime) -> int:
        """How many working days have open time between ``a`` and ``b`` (started working
        days of a delay)."""
        ua, ub = utc_seconds(a), utc_seconds(b)
        if ub <= ua:
            return 0
        d0 = self.to_local(ua) // DAY
        span = (self.to_local(ub) // DAY) - d0 + 1
        dates: set[int] = set()
        for d, s, e in self._local_intervals(d0, span):
            lo = max(self._wall_instants(s)[0], ua)
            hi = min(self._close_instant(e), ub)
            if lo < hi and self.between_seconds(lo, hi) > 0:
                dates.add(d)
        return len(dates)
