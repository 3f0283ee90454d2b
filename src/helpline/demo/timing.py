"""When things happen in the demo: contact times shaped like a real contact center's day and
week per channel, and operator work snapped to working hours, all in the tenant's time zone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

#: How busy each day of the week is (Monday first), per contact profile.
WEEKDAYS: dict[str, tuple[float, ...]] = {
    "voice": (1.0, 0.92, 0.88, 0.86, 0.82, 0.3, 0.05),
    "counter": (1.0, 0.9, 0.95, 0.9, 0.85, 0.35, 0.0),
    "written": (1.0, 0.95, 0.9, 0.9, 0.85, 0.45, 0.4),
    "voicemail": (0.7, 0.55, 0.55, 0.55, 0.65, 1.0, 1.0),
    "any": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}

_DAY = {h: 1.0 for h in range(24)}
#: Hour-of-day weights: (Monday-Friday, Saturday, Sunday).
HOURS: dict[str, tuple[dict[int, float], dict[int, float], dict[int, float]]] = {
    "voice": (
        {8: 5, 9: 10, 10: 12, 11: 11, 12: 8, 13: 4, 14: 7, 15: 9, 16: 8, 17: 7, 18: 4, 19: 2},
        {9: 6, 10: 8, 11: 8, 12: 5},
        {10: 3, 11: 3, 17: 2, 20: 2},
    ),
    "counter": (
        {8: 6, 9: 10, 10: 11, 11: 10, 12: 6, 15: 3, 16: 3},
        {9: 5, 10: 6, 11: 5, 12: 3},
        {10: 1},
    ),
    "written": (
        {
            0: 0.5,
            1: 0.3,
            2: 0.2,
            3: 0.2,
            4: 0.2,
            5: 0.4,
            6: 1,
            7: 3,
            8: 6,
            9: 9,
            10: 10,
            11: 9,
            12: 7,
            13: 6,
            14: 7,
            15: 8,
            16: 7,
            17: 6,
            18: 5,
            19: 4,
            20: 4,
            21: 4,
            22: 3,
            23: 1.5,
        },
        {
            h: w
            for h, w in enumerate(
                (
                    0.5,
                    0.3,
                    0.2,
                    0.2,
                    0.2,
                    0.3,
                    0.5,
                    1,
                    2,
                    4,
                    5,
                    5,
                    4,
                    3,
                    3,
                    3,
                    3,
                    3,
                    3,
                    3,
                    3,
                    3,
                    2,
                    1,
                )
            )
        },
        {
            h: w
            for h, w in enumerate(
                (
                    0.5,
                    0.3,
                    0.2,
                    0.2,
                    0.2,
                    0.3,
                    0.5,
                    1,
                    1.5,
                    3,
                    4,
                    4,
                    3,
                    3,
                    3,
                    3,
                    3,
                    3,
                    4,
                    4,
                    4,
                    3,
                    2,
                    1,
                )
            )
        },
    ),
    "voicemail": (
        {0: 1, 1: 0.5, 6: 2, 7: 5, 19: 2, 20: 6, 21: 6, 22: 4, 23: 2},
        {h: (2 if 13 <= h <= 22 else 0.5) for h in range(24)},
        {h: (2 if 8 <= h <= 22 else 0.5) for h in range(24)},
    ),
    "any": (_DAY, _DAY, _DAY),
}

#: Working windows per profile: weekday -> (start, end) in local time.
WORK: dict[str, dict[int, tuple[time, time]]] = {
    "l1": {**{d: (time(8), time(20)) for d in range(5)}, 5: (time(8), time(14))},
    "back": {d: (time(8, 30), time(17, 30)) for d in range(5)},
}

PROFILE_OF_CHANNEL = {
    "phone": "voice",
    "callback": "voice",
    "chat": "voice",
    "counter": "counter",
    "email": "written",
    "pec": "written",
    "fax": "written",
    "web": "written",
    "api": "written",
    "voicemail": "voicemail",
}


def _weighted_hour(rng: Random, weights: dict[int, float]) -> int:
    hours = list(weights)
    return rng.choices(hours, weights=[weights[h] for h in hours])[0]


def contact_time(
    rng: Random,
    *,
    profile: str,
    tz: ZoneInfo,
    now: datetime,
    min_days_ago: float = 0,
    max_days_ago: float = 90,
) -> datetime:
    """A contact time between ``max_days_ago`` and ``min_days_ago`` before ``now``, weighted
    by day of week and hour of day for ``profile``; returned in UTC-aware form."""
    local_now = now.astimezone(tz)
    week = WEEKDAYS[profile]
    top = max(week)
    for _attempt in range(200):
        days = rng.uniform(min_days_ago, max_days_ago)
        day = (local_now - timedelta(days=days)).date()
        if rng.random() * top >= week[day.weekday()]:
            continue
        hours = HOURS[profile][0 if day.weekday() < 5 else day.weekday() - 4]
        moment = datetime.combine(
            day, time(_weighted_hour(rng, hours), rng.randrange(60), rng.randrange(60)), tzinfo=tz
        )
        if moment < local_now - timedelta(minutes=3) and (local_now - moment) >= timedelta(
            days=min_days_ago
        ):
            return moment.astimezone(ZoneInfo("UTC"))
    return now - timedelta(minutes=rng.randint(5, 300))


def work_time(rng: Random, when: datetime, *, profile: str, tz: ZoneInfo) -> datetime:
    """``when`` if it falls in ``profile``'s working hours, else a little after the next
    opening (people do not start on the stroke of the hour). Profile "h24" never waits."""
    if profile == "h24":
        return when
    windows = WORK[profile]
    local = when.astimezone(tz)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        window = windows.get(day.weekday())
        if window is None:
            continue
        start = datetime.combine(day, window[0], tzinfo=tz)
        end = datetime.combine(day, window[1], tzinfo=tz)
        if offset == 0 and start <= local < end:
            return when
        if local < start:
            return (start + timedelta(minutes=rng.randint(3, 75))).astimezone(when.tzinfo)
    return when
