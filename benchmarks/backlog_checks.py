"""What backlog_run.py reads back, through public interfaces only, and compares with the plan.

Each check is one pass that returns its figures with ``ok``; ``poll`` repeats one until it
holds, since HA's recorder commits, the late statistics import and open data's reconnect
all finish on their own time after the drain.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import statistics
import time
from typing import Any

import aiohttp

from benchmarks.e2e import entity_ids
from scripts.demo_setup import Api, Websocket
from scripts.lorawan_simulator import SimulatedDevice

HOUR = timedelta(hours=1)
# The probe's own reading and the lake's water temperature derived from it: both are
# measurements with long-term statistics. Open data publishes the water temperature.
KEYS = ("external_temperature", "water_temperature")
PUBLISHED = "water_temperature"
# Statistics are floats computed by the recorder; open data rounds to 0.1 °C.
STATISTICS_TOLERANCE = 0.005
PUBLISHED_TOLERANCE = 0.05 + 1e-9

type Series = list[tuple[datetime, float]]


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour ``moment`` is in (long-term statistics are hourly in UTC)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Plan:
    """The probes and what each reports, with the time the plan was made."""

    devices: list[SimulatedDevice]
    readings: dict[str, Series]  # DevEUI -> (measured at, °C), oldest first
    made_at: datetime

    @property
    def times(self) -> list[datetime]:
        """The measurement times, the same for every probe."""
        return [at for at, _ in next(iter(self.readings.values()))]

    def checked_hours(self) -> list[datetime]:
        """The hours with readings that had ended when the plan was made."""
        return sorted({hour_of(at) for at in self.times if hour_of(at) < hour_of(self.made_at)})

    def by_hour(self, dev_eui: str) -> dict[datetime, list[float]]:
        """A probe's values by the UTC hour they were measured in."""
        hours: dict[datetime, list[float]] = defaultdict(list)
        for at, value in self.readings[dev_eui]:
            hours[hour_of(at)].append(value)
        return hours


async def poll(check: Callable[[], Awaitable[dict[str, Any]]], timeout: float) -> dict[str, Any]:
    """Repeat ``check`` until it is ok or ``timeout`` s have passed; the last figures."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result["ok"] or time.monotonic() > deadline:
            return result
        await asyncio.sleep(1)


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC)
    except ValueError:
        return None


async def states_check(api: Api, plan: Plan, count: int) -> dict[str, Any]:
    """Each probe's entities show its ``count``-th reading: value and ``measured_at``."""
    ids = await entity_ids(api)
    states = {s["entity_id"]: s for s in await api.call("GET", "/api/states")}
    shown: dict[str, Any] = {}
    ok = True
    for dev_eui, series in plan.readings.items():
        at, value = series[count - 1]
        for key in KEYS:
            state = states.get(ids.get(f"{dev_eui}_{key}", ""), {})
            measured = _time(state.get("attributes", {}).get("measured_at"))
            try:
                number: float | None = float(state.get("state", ""))
            except ValueError:
                number = None
            right = measured == at and number == value
            ok = ok and right
            shown[state.get("entity_id", f"{dev_eui}_{key}")] = {
                "state": number,
                "measured_at": measured.isoformat() if measured else None,
                "sent": [at.isoformat(), value],
                "ok": right,
            }
    return {"ok": ok, "entities": shown}


async def statistics_check(api: Api, plan: Plan) -> dict[str, Any]:
    """Hourly mean, min and max of every entity at the hours its readings were measured."""
    ids = await entity_ids(api)
    hours = plan.checked_hours()
    sent_hours = {hour_of(at) for at in plan.times}
    wanted = {ids[f"{d}_{k}"]: d for d in plan.readings for k in KEYS if f"{d}_{k}" in ids}
    async with Websocket(api) as ws:
        found = await ws.call(
            "recorder/statistics_during_period",
            start_time=(min(sent_hours) - HOUR).isoformat(),
            end_time=(plan.made_at + 2 * HOUR).isoformat(),
            statistic_ids=sorted(wanted),
            period="hour",
            types=["mean", "min", "max"],
        )
    wrong: list[dict[str, Any]] = []
    unexpected: list[dict[str, Any]] = []
    matching = 0
    for statistic_id, dev_eui in sorted(wanted.items()):
        rows = {
            datetime.fromtimestamp(row["start"] / 1000, UTC): row
            for row in found.get(statistic_id, [])
        }
        unexpected += [
            {"entity_id": statistic_id, "hour": hour.isoformat()}
            for hour in rows
            if hour not in sent_hours
        ]
        by_hour = plan.by_hour(dev_eui)
        for hour in hours:
            values = by_hour[hour]
            sent = {"mean": statistics.fmean(values), "min": min(values), "max": max(values)}
            row = rows.get(hour) or {}
            if all(
                row.get(kind) is not None and abs(row[kind] - figure) <= STATISTICS_TOLERANCE
                for kind, figure in sent.items()
            ):
                matching += 1
            else:
                shown = {kind: row.get(kind) for kind in sent}
                wrong.append(
                    {"entity_id": statistic_id, "hour": hour.isoformat(), "sent": sent} | shown
                )
    expected = len(hours) * len(wanted)
    return {
        "ok": bool(expected and matching == expected and not unexpected),
        "entities": len(wanted),
        "hours_checked": [hour.isoformat() for hour in hours],
        "rows_expected": expected,
        "rows_matching": matching,
        "wrong": wrong[:12],
        "rows_at_hours_nothing_was_measured": unexpected[:12],
    }


async def _json(session: aiohttp.ClientSession, url: str, **query: str) -> Any:
    async with session.get(url, params=query) as response:
        response.raise_for_status()
        return await response.json()


def _compare(expected: Series, got: Series) -> dict[str, list[str]]:
    """What is missing, at a time nothing was measured, or of another value."""
    want = dict(expected)
    have = dict(got)
    return {
        "missing": [at.isoformat() for at in want if at not in have],
        "at_other_times": [at.isoformat() for at in have if at not in want],
        "other_value": [
            at.isoformat()
            for at, value in want.items()
            if at in have and abs(have[at] - value) > PUBLISHED_TOLERANCE
        ],
    }


async def open_data_check(
    session: aiohttp.ClientSession, base: str, plan: Plan, ids: dict[str, str], count: int
) -> dict[str, Any]:
    """SensorThings Observations and history.json hold the first ``count`` readings of each."""
    streams = await _json(session, f"{base}/sta/v1.1/Datastreams", **{"$top": "100"})
    stream_ids = {s["properties"]["entity_id"]: s["@iot.id"] for s in streams["value"]}
    start = (plan.times[0] - HOUR).isoformat()
    end = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    problems: dict[str, Any] = {}
    matching = {"sensorthings": 0, "history_json": 0}
    for dev_eui, series in plan.readings.items():
        entity_id = ids[f"{dev_eui}_{PUBLISHED}"]
        expected = series[:count]
        got: dict[str, Series] = {"sensorthings": [], "history_json": []}
        if entity_id in stream_ids:
            observations = await _json(
                session,
                f"{base}/sta/v1.1/Datastreams({stream_ids[entity_id]})/Observations",
                **{"$orderby": "phenomenonTime asc", "$top": "1000"},
            )
            got["sensorthings"] = [
                (datetime.fromisoformat(o["phenomenonTime"]), float(o["result"]))
                for o in observations["value"]
            ]
            history = await _json(
                session,
                f"{base}/api/v1/history.json",
                entity_id=entity_id,
                start=start,
                end=end,
            )
            got["history_json"] = [
                (datetime.fromisoformat(o["time"]), float(o["value"]))
                for o in history["observations"]
            ]
        for interface, series_got in got.items():
            found = _compare(expected, series_got)
            matching[interface] += len(expected) - len(found["missing"]) - len(found["other_value"])
            if any(found.values()):
                problems[f"{entity_id} {interface}"] = {k: v[:6] for k, v in found.items() if v}
    return {
        "ok": not problems,
        "observations_expected": count * len(plan.readings),
        "sensorthings_matching": matching["sensorthings"],
        "history_json_matching": matching["history_json"],
        "problems": problems,
    }
