"""Make the demo's Home Assistant ready to use: onboarded, with a hub and its devices.

Everything goes through Home Assistant's own HTTP and websocket APIs, the ones its
frontend uses, so the demo sets HA up exactly as a person clicking through the UI would:
the onboarding steps, the hub's config flow, one subentry flow per device (with its
role's settings form for a snow station, lake, meter, bin, trail counter or kitchen
sensor), the care units and the medicine robot, and the template buttons the care
dashboard's "Kvittera" and "Löst" use (dashboards/README.md). Nothing is written into
HA's storage behind its back.

It is safe to run again: finished onboarding steps, an existing hub, existing areas and
devices are left as they are. At the end it writes the webhook URL and secret for the
simulator to ``--target`` (inside .demo/, the only place the demo keeps secrets) and
prints how to reach the demo.

Run by scripts/demo as ``python -m scripts.demo_setup --config .demo/config ...``.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
import sys
import time
from types import TracebackType
from typing import Any, Final, Self
from zoneinfo import ZoneInfo

import aiohttp

from scripts import camera_simulator
from scripts.lorawan_simulator import (
    CARE_UNIT,
    HOME_CARE_UNIT,
    SECRET_HEADER,
    SimulatedDevice,
    SimulatedDispenser,
    demo_devices,
    demo_dispensers,
)

DOMAIN: Final = "ange_iot"
# Care roles have no settings form (custom_components/ange_iot/care_runtime/config.py).
CARE_ROLES: Final = ("bed", "outer_door", "room_presence")
BASE_URL: Final = "http://localhost:8123"
# The frontend's own client id: tokens for it are what a browser session gets.
CLIENT_ID: Final = f"{BASE_URL}/"

# The demo account. Not a secret: it only opens the local demo instance.
USER_NAME: Final = "Demo"
USERNAME: Final = "demo"
PASSWORD: Final = "ange-demo-2026"
LANGUAGE: Final = "sv"

# Finishing onboarding sets up these services from the internet (weather, radio, speech).
# The demo runs offline, where they only fail and retry, so it removes them again.
ONLINE_ONBOARDING_DOMAINS: Final = frozenset({"met", "radio_browser", "google_translate"})

# What the installer fills in on the hub's first form.
HUB_INPUT: Final = {"network": "chirpstack", "transport": "webhook", "application_id": "ange-demo"}

# Who is notified of a unit's alarms. The demo has no phone with the companion app, so
# the demo phone (scripts/demo_phone) stands in: it shows each page in HA's notification
# panel and records the last mobile_app payload in .demo/last_push.json.
DEMO_NOTIFY_TARGET: Final = "notify.demo_phone"

# The care units' forms as a person fills them in: on-duty target, night 22-07, night
# checks at 23, 2 and 5, escalation after 5 minutes, out of bed at night after 30.
CARE_UNITS: Final = (
    {
        "code": CARE_UNIT,
        "notify_targets": [DEMO_NOTIFY_TARGET],
        "night_start": "22:00:00",
        "night_end": "07:00:00",
        "check_times": ["23:00", "02:00", "05:00"],
        "escalate_after_minutes": 5,
        "out_of_bed_minutes": 30,
        "inactive_by": "10:00:00",
    },
    {
        "code": HOME_CARE_UNIT,
        "notify_targets": [DEMO_NOTIFY_TARGET],
        "night_start": "22:00:00",
        "night_end": "07:00:00",
        "check_times": ["23:00", "02:00", "05:00"],
        "escalate_after_minutes": 10,
        "out_of_bed_minutes": 30,
        "inactive_by": "10:00:00",
    },
)

# Open alarms the care dashboard offers buttons for, per unit (its slots 1..n).
ALARM_SLOTS: Final = {CARE_UNIT: 5, HOME_CARE_UNIT: 3}
# A slot's buttons do nothing for this long after the list changed (an alarm closed or
# came in), so a tap never lands on the alarm that just moved into the slot.
LIST_SETTLE_SECONDS: Final = 10


class SetupError(Exception):
    """A step failed; the message tells the person running the demo what to do."""


@dataclass(slots=True)
class Api:
    """Home Assistant's REST API, with the access token once there is one."""

    session: aiohttp.ClientSession
    base: str
    token: str | None = None

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        form: dict[str, str] | None = None,
        ok: Iterable[int] = (200,),
    ) -> Any:
        """Send one request and return its decoded JSON; raise SetupError on other statuses."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, self.base + path, json=body, data=form, headers=headers
        ) as response:
            text = await response.text()
            if response.status not in set(ok):
                raise SetupError(f"{method} {path} answered {response.status}: {text[:300]}")
            return json.loads(text) if text.strip() else None


class Websocket:
    """Home Assistant's websocket API, for what has no REST endpoint (areas, subentries)."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._id = 0

    async def __aenter__(self) -> Self:
        url = self._api.base.replace("http", "ws", 1) + "/api/websocket"
        self._ws = ws = await self._api.session.ws_connect(url)
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": self._api.token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise SetupError(f"websocket authentication failed: {answer}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def call(self, command: str, **data: Any) -> Any:
        """Run one command and return its result."""
        assert self._ws is not None
        self._id += 1
        await self._ws.send_json({"id": self._id, "type": command, **data})
        while True:
            message = await self._ws.receive_json()
            if message.get("id") == self._id and message.get("type") == "result":
                if not message.get("success"):
                    raise SetupError(f"{command} failed: {message.get('error')}")
                return message.get("result")


@dataclass(frozen=True, slots=True)
class Hub:
    """The ange_iot hub entry and what a network server needs to reach it."""

    entry_id: str
    webhook_id: str
    secret: str


# ----------------------------------------------------------------------- starting up


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def wait_for_home_assistant(api: Api, ha_pid: int | None, timeout: float) -> list[str]:
    """Wait until HA answers; return the onboarding steps still to do ([] once onboarded).

    HA opens its HTTP port only after the frontend, and with it onboarding, is set up, so
    the first answer to /api/onboarding is a reliable one: its step list while onboarding
    is unfinished, 404 once it is done (HA then no longer registers the view).
    """
    print("Waiting for Home Assistant (the first start installs its frontend: a minute or two) ...")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(ha_pid):
            raise SetupError("Home Assistant stopped while starting; see .demo/console.log")
        try:
            async with api.session.get(api.base + "/api/onboarding") as response:
                if response.status == 404:
                    return []
                if response.status == 200:
                    steps = await response.json()
                    return [step["step"] for step in steps if not step["done"]]
        except aiohttp.ClientError:
            pass  # not listening yet
        await asyncio.sleep(1)
    raise SetupError(f"Home Assistant did not answer within {timeout:.0f} s")


async def wait_until_running(api: Api, timeout: float = 300) -> None:
    """Wait until HA has finished starting, so every integration is set up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        config = await api.call("GET", "/api/config")
        if config.get("state") == "RUNNING":
            return
        await asyncio.sleep(1)
    raise SetupError(f"Home Assistant did not finish starting within {timeout:.0f} s")


# ------------------------------------------------------------------ onboarding, login


async def exchange_code(api: Api, code: str) -> str:
    """Trade an authorization code for an access token, as the frontend does."""
    tokens = await api.call(
        "POST",
        "/auth/token",
        form={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    )
    return str(tokens["access_token"])


async def log_in(api: Api) -> str:
    """Log in with the demo account through HA's login flow; return an access token."""
    flow = await api.call(
        "POST",
        "/auth/login_flow",
        body={
            "client_id": CLIENT_ID,
            "handler": ["homeassistant", None],
            "redirect_uri": CLIENT_ID,
        },
    )
    result = await api.call(
        "POST",
        f"/auth/login_flow/{flow['flow_id']}",
        body={"client_id": CLIENT_ID, "username": USERNAME, "password": PASSWORD},
    )
    if result.get("type") != "create_entry":
        raise SetupError(
            f"cannot log in as {USERNAME!r} ({result.get('errors') or result.get('reason')}). "
            "Was the password changed? Delete .demo/ to start the demo afresh."
        )
    return await exchange_code(api, str(result["result"]))


async def onboard_or_log_in(api: Api, pending: Sequence[str]) -> str:
    """Finish whatever onboarding is left, creating the demo user first; return a token."""
    if "user" in pending:
        created = await api.call(
            "POST",
            "/api/onboarding/users",
            body={
                "client_id": CLIENT_ID,
                "name": USER_NAME,
                "username": USERNAME,
                "password": PASSWORD,
                "language": LANGUAGE,
            },
        )
        token = await exchange_code(api, created["auth_code"])
        print(f"Onboarding: created the user {USERNAME!r}")
    else:
        token = await log_in(api)
    api.token = token
    # The remaining steps in the frontend's order. The location, units and language come
    # from configuration.yaml, so "core_config" only has to be confirmed; analytics stay
    # off, as the frontend leaves them unless the person opts in.
    if "core_config" in pending:
        await api.call("POST", "/api/onboarding/core_config", body={})
    if "analytics" in pending:
        await api.call("POST", "/api/onboarding/analytics", body={})
    if "integration" in pending:
        await api.call(
            "POST",
            "/api/onboarding/integration",
            body={"client_id": CLIENT_ID, "redirect_uri": f"{BASE_URL}/?auth_callback=1"},
        )
    if pending:
        print("Onboarding: done")
    return token


# ---------------------------------------------------------------------- hub, devices


def _expect(result: dict[str, Any], kind: str, step: str | None = None) -> None:
    """Fail clearly when a flow did not go where a person clicking through it would."""
    if result.get("type") != kind or (step is not None and result.get("step_id") != step):
        raise SetupError(
            f"expected {kind} {step or ''} but the flow answered: {json.dumps(result)[:400]}"
        )


def _read_entry(config_dir: Path, entry_id: str) -> dict[str, Any]:
    storage = json.loads((config_dir / ".storage" / "core.config_entries").read_text("utf-8"))
    for entry in storage["data"]["entries"]:
        if entry["entry_id"] == entry_id:
            return dict(entry["data"])
    raise SetupError(f"hub {entry_id} is not in .storage/core.config_entries yet")


async def ensure_hub(api: Api, config_dir: Path) -> Hub:
    """Return the ange_iot hub, creating it through its config flow if there is none."""
    entries = await api.call("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    # Entries with source "ignore" are devices an installer chose to ignore, not hubs.
    hubs = [entry for entry in entries if entry["source"] != "ignore"]
    if hubs:
        entry_id = hubs[0]["entry_id"]
        # The secret is never shown again after the hub's last form; HA keeps it in the
        # entry's data, which only its storage file holds.
        data = await asyncio.to_thread(_read_entry, config_dir, entry_id)
        print(f"Hub: using {hubs[0]['title']}")
        return Hub(entry_id, data["webhook_id"], data["webhook_secret"])

    flow = await api.call("POST", "/api/config/config_entries/flow", body={"handler": DOMAIN})
    _expect(flow, "form", "user")
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    finish = await api.call("POST", path, body=HUB_INPUT)
    _expect(finish, "form", f"finish_{HUB_INPUT['network']}")
    placeholders = finish["description_placeholders"]
    if placeholders["header"] != SECRET_HEADER:
        raise SetupError(f"the hub asks for header {placeholders['header']}, not {SECRET_HEADER}")
    created = await api.call("POST", path, body={})
    _expect(created, "create_entry")
    print(f"Hub: created {created['title']}")
    return Hub(
        entry_id=created["result"]["entry_id"],
        webhook_id=placeholders["url"].rstrip("/").rsplit("/", 1)[-1],
        secret=placeholders["secret"],
    )


async def ensure_areas(ws: Websocket, names: Iterable[str]) -> dict[str, str]:
    """Area ids by name, creating the areas that do not exist yet."""
    areas = {area["name"]: area["area_id"] for area in await ws.call("config/area_registry/list")}
    for name in sorted(set(names) - set(areas)):
        area = await ws.call("config/area_registry/create", name=name)
        areas[name] = area["area_id"]
        print(f"Area: created {name}")
    return areas


# Places where staff measure the ice by hand (the number entity "Istjocklek").
ICE_PLACES: Final = (
    {"name": "Isplats Vojen", "location": {"latitude": 62.4957, "longitude": 15.5762}},
    {"name": "Isplats Backetjärn", "location": {"latitude": 62.5335, "longitude": 15.6525}},
)


async def ensure_ice_places(api: Api, ws: Websocket, hub: Hub) -> None:
    """Add the ice places through their subentry flow, once."""
    existing = await ws.call("config_entries/subentries/list", entry_id=hub.entry_id)
    known = {subentry.get("title") for subentry in existing}
    for place in ICE_PLACES:
        if place["name"] in known:
            continue
        flow = await api.call(
            "POST", "/api/config/config_entries/subentries/flow", body={"handler": [hub.entry_id, "ice_place"]}
        )
        _expect(flow, "form", "user")
        result = await api.call("POST", f"/api/config/config_entries/subentries/flow/{flow['flow_id']}", body=place)
        _expect(result, "create_entry")
        print(f"Ice place: added {place['name']}")


async def ensure_devices(
    api: Api, ws: Websocket, hub: Hub, devices: Iterable[SimulatedDevice]
) -> None:
    """Add each device as a subentry of the hub through the subentry flow, as in the UI."""
    wanted = [device for device in devices if device.add_to_hub]
    areas = await ensure_areas(ws, [device.area for device in wanted if device.area])
    existing = await ws.call("config_entries/subentries/list", entry_id=hub.entry_id)
    known = {subentry.get("unique_id") for subentry in existing}
    for device in wanted:
        if device.dev_eui in known:
            continue
        flow = await api.call(
            "POST",
            "/api/config/config_entries/subentries/flow",
            body={"handler": [hub.entry_id, "device"]},
        )
        _expect(flow, "form", "user")
        user_input = {
            "dev_eui": device.dev_eui,
            "model": device.model,
            "name": device.name,
        }
        if device.area:
            user_input["area"] = areas[device.area]
        if device.care_unit and device.room:
            user_input |= {"care_unit": device.care_unit, "room": device.room}
        path = f"/api/config/config_entries/subentries/flow/{flow['flow_id']}"
        result = await api.call("POST", path, body=user_input)
        if result.get("step_id") == "role":
            # The role form comes when the model's readings can serve a role at all.
            result = await api.call("POST", path, body={"role": device.role})
        if device.role not in ("none", *CARE_ROLES):
            # Every other role asks for its settings on a second form.
            _expect(result, "form", "settings")
            result = await api.call("POST", path, body=device.settings)
        _expect(result, "create_entry")
        role = "" if device.role == "none" else f", {device.role}"
        print(f"Device: added {device.name} ({device.model}, {device.dev_eui}{role})")


async def ensure_care(
    api: Api, ws: Websocket, hub: Hub, dispensers: Iterable[SimulatedDispenser]
) -> None:
    """Add the care units and the medicine robots through their subentry flows."""
    existing = await ws.call("config_entries/subentries/list", entry_id=hub.entry_id)
    known = {subentry.get("unique_id") for subentry in existing}
    forms: list[tuple[str, str, dict[str, Any]]] = [
        ("care_unit", f"care_unit_{unit['code']}", dict(unit)) for unit in CARE_UNITS
    ]
    forms += [
        (
            "dispenser",
            f"dispenser_{dispenser.dispenser_id}",
            {
                "dispenser_id": dispenser.dispenser_id,
                "care_unit": dispenser.care_unit,
                "client": dispenser.client,
                "heartbeat_minutes": dispenser.heartbeat_minutes,
            },
        )
        for dispenser in dispensers
    ]
    for kind, unique_id, user_input in forms:
        if unique_id in known:
            continue
        flow = await api.call(
            "POST",
            "/api/config/config_entries/subentries/flow",
            body={"handler": [hub.entry_id, kind]},
        )
        _expect(flow, "form", "user")
        path = f"/api/config/config_entries/subentries/flow/{flow['flow_id']}"
        result = await api.call("POST", path, body=user_input)
        _expect(result, "create_entry")
        print(f"Care: added {kind} {result.get('title', unique_id)}")


# The demo's safety camera watches this room; its check window is set near "now".
CAMERA_ROOM: Final = "R1"
CAMERA_WINDOW_LEAD: Final = timedelta(minutes=3)


async def ensure_camera(api: Api, ws: Websocket, hub: Hub) -> str:
    """A check time a few minutes from now for SOL-2, a camera in R1 and its recorded consent.

    Camera looks only open around check times, so the demo adds one near the time it
    starts (SOL-2's form is submitted again with that extra time). The consent is recorded
    by the demo user through the action staff use, so it is in the audit log like a real one.
    """
    existing = await ws.call("config_entries/subentries/list", entry_id=hub.entry_id)
    by_unique = {sub.get("unique_id"): sub for sub in existing}
    unit = dict(CARE_UNITS[0])
    check = (datetime.now(ZoneInfo("Europe/Stockholm")) + CAMERA_WINDOW_LEAD).strftime("%H:%M")
    unit["check_times"] = sorted({*unit["check_times"], check})
    del unit["code"]
    flow = await api.call(
        "POST", "/api/config/config_entries/subentries/flow",
        body={"handler": [hub.entry_id, "care_unit"], "subentry_id": by_unique[f"care_unit_{CARE_UNIT}"]["subentry_id"]},
    )
    _expect(flow, "form", "reconfigure")
    result = await api.call("POST", f"/api/config/config_entries/subentries/flow/{flow['flow_id']}", body=unit)
    _expect(result, "abort")
    if f"care_camera_{CARE_UNIT}_{CAMERA_ROOM}" not in by_unique:
        flow = await api.call(
            "POST", "/api/config/config_entries/subentries/flow", body={"handler": [hub.entry_id, "care_camera"]}
        )
        _expect(flow, "form", "user")
        camera = {
            "care_unit": CARE_UNIT, "room": CAMERA_ROOM, "still_image_url": camera_simulator.still_image_url(),
            "username": camera_simulator.USERNAME, "password": camera_simulator.PASSWORD,
            "look_margin_minutes": 10, "max_look_seconds": 60,
        }
        result = await api.call("POST", f"/api/config/config_entries/subentries/flow/{flow['flow_id']}", body=camera)
        _expect(result, "create_entry")
        print(f"Care: added the safety camera in {CARE_UNIT} {CAMERA_ROOM}")
    await api.call(
        "POST", f"/api/services/{DOMAIN}/record_camera_consent",
        body={"care_unit": CARE_UNIT, "room": CAMERA_ROOM, "scope": "check_times"},
    )
    return check


def _slot_press(unit: str, slot: int, action: dict[str, Any]) -> list[dict[str, Any]]:
    """What a slot's button does: ``action`` on the unit's slot-th newest open alarm.

    The alarm id is read when the button is pressed (a dashboard card's action cannot
    hold a template). If the list changed in the last LIST_SETTLE_SECONDS, the slot may
    now hold another alarm than the one on screen: then nothing is done and a
    notification says to look again.
    """
    sensor = f"sensor.{unit.lower().replace('-', '_')}_oppna_larm"
    return [
        {
            "variables": {
                # Newest first, as the dashboard shows them (the sensor lists oldest first).
                "alarms": f"{{{{ (state_attr('{sensor}', 'alarms') or []) | reverse | list }}}}",
                "settled": (
                    f"{{{{ states['{sensor}'] is not none and "
                    f"(now() - states['{sensor}'].last_changed).total_seconds() "
                    f"> {LIST_SETTLE_SECONDS} }}}}"
                ),
            }
        },
        {
            "if": [
                {
                    "condition": "template",
                    "value_template": f"{{{{ settled and alarms | count >= {slot} }}}}",
                }
            ],
            "then": [
                {
                    **action,
                    "data": {
                        **action.get("data", {}),
                        "alarm_id": f"{{{{ alarms[{slot - 1}].alarm_id }}}}",
                    },
                }
            ],
            "else": [
                {
                    "action": "persistent_notification.create",
                    "data": {
                        "title": f"{unit}: larmlistan ändrades nyss",
                        "message": (
                            f"Larm {slot} kan vara ett annat än det du såg. "
                            "Titta på listan igen och tryck en gång till."
                        ),
                    },
                }
            ],
        },
    ]


ALARM_BUTTONS: Final = {
    "Kvittera": {"action": "ange_iot.acknowledge_alarm"},
    "Löst": {"action": "ange_iot.resolve_alarm", "data": {"outcome": "on_site"}},
}


async def ensure_alarm_buttons(api: Api) -> None:
    """Template buttons (HA's template helper, added through its config flow) for the
    care dashboard: per unit and slot, "Kvittera" and "Löst" (resolved on site)."""
    entries = await api.call("GET", "/api/config/config_entries/entry?domain=template")
    titles = {entry["title"] for entry in entries}
    for unit, slots in ALARM_SLOTS.items():
        for slot in range(1, slots + 1):
            for label, action in ALARM_BUTTONS.items():
                name = f"{unit} larm {slot} {label}"
                if name in titles:
                    continue
                flow = await api.call(
                    "POST", "/api/config/config_entries/flow", body={"handler": "template"}
                )
                _expect(flow, "menu", "user")
                path = f"/api/config/config_entries/flow/{flow['flow_id']}"
                form = await api.call("POST", path, body={"next_step_id": "button"})
                _expect(form, "form", "button")
                result = await api.call(
                    "POST", path, body={"name": name, "press": _slot_press(unit, slot, action)}
                )
                _expect(result, "create_entry")
        print(f"Care dashboard: alarm buttons for {unit} (slots 1-{slots})")


async def remove_online_services(api: Api, wait: float) -> None:
    """Remove the internet services onboarding added, waiting up to ``wait`` s for them.

    Onboarding starts their config flows in the background, so right after it they may
    not exist yet; later runs find them at once (or not at all).
    """
    deadline = time.monotonic() + wait
    while True:
        entries = await api.call("GET", "/api/config/config_entries/entry")
        found = [
            entry
            for entry in entries
            if entry["domain"] in ONLINE_ONBOARDING_DOMAINS and entry["source"] == "onboarding"
        ]
        if len(found) == len(ONLINE_ONBOARDING_DOMAINS) or time.monotonic() >= deadline:
            break
        await asyncio.sleep(1)
    for entry in found:
        await api.call("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")
        print(f"Removed {entry['title']} ({entry['domain']}): it needs the internet")


# -------------------------------------------------------------------------------- main


def _write_target(path: Path, url: str, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created owner-only before anything is written: it holds the webhook secret.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump({"webhook_url": url, "secret": secret}, file)


async def setup(config_dir: Path, target: Path, ha_pid: int | None, timeout: float) -> str:
    """Bring HA to a ready demo; return the webhook URL the simulator posts to."""
    # aiohttp's threaded resolver: the aiodns one, picked when aiodns is installed (HA's
    # venv has it), is broken by some pycares releases and adds nothing for localhost.
    connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    timeouts = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeouts) as session:
        api = Api(session, BASE_URL)
        pending = await wait_for_home_assistant(api, ha_pid, timeout)
        api.token = await onboard_or_log_in(api, pending)
        await wait_until_running(api)
        hub = await ensure_hub(api, config_dir)
        devices = demo_devices()
        async with Websocket(api) as ws:
            await ensure_devices(api, ws, hub, [d for d in devices if d.care_unit is None])
            await ensure_ice_places(api, ws, hub)
        await remove_online_services(api, wait=30 if "core_config" in pending else 0)
        await ensure_alarm_buttons(api)
        # Care last, just before the simulator starts: a room exists from its first
        # sensor on, and its history (replayed first) should follow without delay.
        async with Websocket(api) as ws:
            await ensure_care(api, ws, hub, demo_dispensers())
            await ensure_devices(api, ws, hub, [d for d in devices if d.care_unit is not None])
            check = await ensure_camera(api, ws, hub)
        print(f"Safety camera: SOL-2 {CAMERA_ROOM} can be looked at around {check} (Vård > Trygghetskamera)")
    url = f"{BASE_URL}/api/webhook/{hub.webhook_id}"
    await asyncio.to_thread(_write_target, target, url, hub.secret)
    return url


def banner(webhook_url: str, config_dir: Path) -> str:
    """What the person running the demo needs to know."""
    rule = "=" * 72
    return "\n".join(
        [
            rule,
            "  Ånge IoT demo is ready",
            f"  Home Assistant:  {BASE_URL}",
            f"  Log in as:       {USERNAME} / {PASSWORD}",
            f"  Webhook URL:     {webhook_url}?event=up",
            "  Dashboards:      Drift (/ange-drift), Vård (/ange-vard), Täckning (/ange-tackning)",
            f"  (header {SECRET_HEADER}; the secret is in .demo/simulator.json)",
            f"  HA's log:        {config_dir / 'home-assistant.log'}",
            "  Alarm chain:     a care alarm pages the demo phone (notify.demo_phone): see the",
            "                   bell in HA's sidebar; its payload is in .demo/last_push.json.",
            "                   Tap a button: Developer tools > Events, event type",
            "                   mobile_app_notification_action, data  action: ANGE_ACK_<alarm id>",
            "                   (or ANGE_ONWAY_, ANGE_ARRIVED_, ANGE_RESOLVE_); the Vård dashboard",
            "                   and the audit log follow. Test alarms: action ange_iot.set_test_mode.",
            "  Simulated uplinks follow below. Stop everything with Ctrl-C.",
            rule,
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo_setup", description=__doc__)
    parser.add_argument("--config", type=Path, default=Path(".demo/config"), help="HA config dir")
    parser.add_argument(
        "--target", type=Path, default=Path(".demo/simulator.json"), help="file for the simulator"
    )
    parser.add_argument("--ha-pid", type=int, help="stop waiting if this process ends")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for HA")
    args = parser.parse_args(argv)
    try:
        url = asyncio.run(setup(args.config, args.target, args.ha_pid, args.timeout))
    except SetupError as err:
        print(f"Demo setup failed: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C while waiting: scripts/demo stops HA
        return 130
    print(banner(url, args.config), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
