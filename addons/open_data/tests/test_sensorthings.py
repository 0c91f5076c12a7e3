"""SensorThings API v1.1: read with the standard client frost-sta-client, and checked raw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import frost_sta_client as fsc
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from .conftest import (
    CM,
    LAKE_BACKETJARN,
    LAKE_BORGSJO,
    LAKE_VOJEN,
    SNOW_DEPTH,
    WATER,
    ServiceFactory,
    public_url,
)

START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=30)
POINTS = 24  # 12 hours of half-hourly values per lake


def lake_value(lake: int, step: int) -> float:
    """A distinct, known value per lake and step, at the sensors' 0.1 °C: 15.0 + lake + step/10."""
    return round(15.0 + lake + step / 10, 1)


def z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
async def sta(hass: HomeAssistant, start_service: ServiceFactory) -> str:
    """The SensorThings root of an add-on fed with 12 hours of three lakes and a snow depth."""
    for step in range(POINTS):
        moment = (START + step * STEP).timestamp()
        for lake, entity_id in enumerate((LAKE_BACKETJARN, LAKE_VOJEN, LAKE_BORGSJO)):
            hass.states.async_set(entity_id, str(lake_value(lake, step)), WATER, timestamp=moment)
    hass.states.async_set(SNOW_DEPTH, "42", CM, timestamp=START.timestamp())
    await async_wait_recording_done(hass)
    service = await start_service()
    return f"{public_url(service)}/sta/v1.1"


async def get(http: aiohttp.ClientSession, url: str, status: int = 200) -> Any:
    async with http.get(url) as response:
        assert response.status == status, (url, await response.text())
        return await response.json()


# furl, which frost-sta-client uses, warns about its own deprecated API.
@pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning")
async def test_read_with_frost_client(hass: HomeAssistant, sta: str) -> None:
    def read() -> dict[str, Any]:
        service = fsc.SensorThingsService(sta)
        things = list(service.things().query().list())
        datastreams = (
            service.datastreams()
            .query()
            .filter("name eq 'Vattentemperatur, Vojen badplats'")
            .list()
        )
        ds = next(iter(datastreams))
        observations = list(
            service.observations()
            .query()
            .filter(f"phenomenonTime ge {z(START + 20 * STEP)} and Datastream/@iot.id eq {ds.id}")
            .orderby("phenomenonTime", "ASC")
            .list()
        )
        thing = service.things().find(things[0].id)
        return {
            "things": {t.name for t in things},
            "unit": ds.unit_of_measurement.symbol,
            "results": [o.result for o in observations],
            "times": [o.phenomenon_time for o in observations],
            "thing": thing.name,
        }

    read_back = await hass.async_add_executor_job(read)
    assert {
        "Backetjärn badplats",
        "Vojen badplats",
        "Borgsjö strand",
        "Snöstation Ånge",
    } <= read_back["things"]
    assert read_back["unit"] == "°C"
    assert read_back["results"] == [lake_value(1, step) for step in range(20, POINTS)]
    assert read_back["times"][0] == z(START + 20 * STEP)
    assert read_back["thing"] in read_back["things"]


async def test_service_root_and_navigation_links(sta: str, http: aiohttp.ClientSession) -> None:
    root = await get(http, f"{sta}/")
    assert {entry["name"] for entry in root["value"]} == {
        "Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors",
        "ObservedProperties", "Observations", "FeaturesOfInterest",
    }  # fmt: skip
    assert (
        "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel"
        in root["serverSettings"]["conformance"]
    )

    # Every navigation link of every kind of entity leads somewhere real.
    for entry in root["value"]:
        collection = await get(http, entry["url"] + "?$top=1")
        assert collection["value"], entry["name"]
        entity = collection["value"][0]
        assert (await get(http, entity["@iot.selfLink"]))["@iot.id"] == entity["@iot.id"]
        links = {k: v for k, v in entity.items() if k.endswith("@iot.navigationLink")}
        assert links, entry["name"]
        for link in links.values():
            await get(http, link)

    things = await get(http, f"{sta}/Things?$filter=properties/id eq 'backetjarn'")
    thing = things["value"][0]
    datastreams = await get(http, thing["Datastreams@iot.navigationLink"])
    assert [d["properties"]["entity_id"] for d in datastreams["value"]] == [LAKE_BACKETJARN]
    location = await get(http, thing["Locations@iot.navigationLink"])
    assert location["value"][0]["location"] == {"type": "Point", "coordinates": [15.6489, 62.5166]}
    observation = (
        await get(http, datastreams["value"][0]["Observations@iot.navigationLink"] + "?$top=1")
    )["value"][0]
    back = await get(http, observation["Datastream@iot.navigationLink"])
    assert back["@iot.id"] == datastreams["value"][0]["@iot.id"]
    feature = await get(http, observation["FeatureOfInterest@iot.navigationLink"])
    assert feature["feature"]["coordinates"] == [15.6489, 62.5166]
    name = await get(http, f"{sta}/Things({thing['@iot.id']})/name")
    assert name == {"name": "Backetjärn badplats"}
    async with http.get(f"{sta}/Things({thing['@iot.id']})/name/$value") as response:
        assert await response.text() == "Backetjärn badplats"


async def test_query_options(sta: str, http: aiohttp.ClientSession) -> None:
    datastreams = await get(
        http, f"{sta}/Datastreams?$filter=properties/entity_id eq '{LAKE_VOJEN}'"
    )
    ds = datastreams["value"][0]
    observations = f"{sta}/Datastreams({ds['@iot.id']})/Observations"

    page = await get(http, f"{observations}?$top=5&$skip=3&$count=true&$orderby=phenomenonTime asc")
    assert page["@iot.count"] == POINTS
    assert [o["result"] for o in page["value"]] == [lake_value(1, s) for s in range(3, 8)]
    assert "$skip=8" in page["@iot.nextLink"]
    following = await get(http, page["@iot.nextLink"])
    assert following["value"][0]["result"] == lake_value(1, 8)

    newest_first = await get(http, f"{observations}?$orderby=result desc&$top=2")
    assert [o["result"] for o in newest_first["value"]] == [lake_value(1, 23), lake_value(1, 22)]

    selected = await get(http, f"{observations}?$select=result,phenomenonTime&$top=1")
    assert set(selected["value"][0]) == {"result", "phenomenonTime"}
    selected_things = await get(http, f"{sta}/Things?$select=name,@iot.id&$orderby=name desc")
    assert set(selected_things["value"][0]) == {"@iot.id", "name"}
    names = [t["name"] for t in selected_things["value"]]
    assert names == sorted(names, reverse=True)

    counted = await get(http, f"{sta}/Things?$count=true&$top=2")
    assert counted["@iot.count"] == 6
    assert len(counted["value"]) == 2


async def test_filter_on_time_and_result(sta: str, http: aiohttp.ClientSession) -> None:
    lakes = await get(
        http, f"{sta}/Datastreams?$filter=properties/quantity eq 'water_temperature'&$count=true"
    )
    assert lakes["@iot.count"] == 3
    ids = {d["properties"]["entity_id"]: d["@iot.id"] for d in lakes["value"]}
    backetjarn = ids[LAKE_BACKETJARN]

    window = f"phenomenonTime ge {z(START + 4 * STEP)} and phenomenonTime lt {z(START + 8 * STEP)}"
    in_window = await get(
        http, f"{sta}/Datastreams({backetjarn})/Observations?$filter={quote(window)}"
    )
    assert [o["result"] for o in in_window["value"]] == [lake_value(0, s) for s in range(4, 8)]
    assert in_window["value"][0]["phenomenonTime"] == z(START + 4 * STEP)

    # Across all datastreams: every lake value above 17.5, and the snow depth of 42.
    warm = await get(
        http, f"{sta}/Observations?$filter={quote('result gt 17.5')}&$count=true&$top=100"
    )
    expected = sorted(
        [
            lake_value(lake, s)
            for lake in range(3)
            for s in range(POINTS)
            if lake_value(lake, s) > 17.5
        ]
        + [42.0]
    )
    assert warm["@iot.count"] == len(expected)
    assert sorted(o["result"] for o in warm["value"]) == expected

    expression = f"(result le 15.25 or result eq 42) and not (phenomenonTime gt {z(START + STEP)})"
    mixed = await get(http, f"{sta}/Observations?$filter={quote(expression)}")
    assert sorted(o["result"] for o in mixed["value"]) == [15.0, 15.1, 42.0]

    latest_hour = await get(
        http,
        f"{sta}/Observations?$filter={quote(f'{z(START + 22 * STEP)} le phenomenonTime')}&$count=true",
    )
    assert latest_hour["@iot.count"] == 2 * 3


async def test_expand_two_levels(sta: str, http: aiohttp.ClientSession) -> None:
    url = (
        f"{sta}/Things?$filter=properties/id eq 'vojen'"
        "&$expand=Datastreams($select=name,unitOfMeasurement;"
        "$expand=Observations($orderby=phenomenonTime desc;$top=2;$count=true)),Locations"
    )
    thing = (await get(http, url))["value"][0]
    assert thing["Locations"][0]["location"]["type"] == "Point"
    datastream = thing["Datastreams"][0]
    assert datastream["name"] == "Vattentemperatur, Vojen badplats"
    assert datastream["unitOfMeasurement"]["symbol"] == "°C"
    assert [o["result"] for o in datastream["Observations"]] == [
        lake_value(1, 23),
        lake_value(1, 22),
    ]
    assert datastream["Observations@iot.count"] == POINTS
    assert "Observations@iot.nextLink" in datastream

    slash_form = await get(http, f"{sta}/Observations?$top=1&$expand=Datastream/Thing")
    expanded = slash_form["value"][0]["Datastream"]
    assert expanded["Thing"]["name"] in {
        "Backetjärn badplats",
        "Vojen badplats",
        "Borgsjö strand",
        "Snöstation Ånge",
    }


async def test_unknown_ids_and_paths_are_404(sta: str, http: aiohttp.ClientSession) -> None:
    for path in (
        "Things(999)",
        "Observations(99999999)",
        "Datastreams(1)/Observations(99999999)",
        "Nothing",
        "Things(1)/Nothing",
    ):
        error = await get(http, f"{sta}/{path}", status=404)
        assert error["message"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("$top=-1", "$top"),
        ("$top=abc", "$top"),
        ("$top=100000", "$top"),
        ("$skip=x", "$skip"),
        ("$count=yes", "$count"),
        ("$orderby=result sideways", "$orderby"),
        ("$filter=result gt", "$filter"),
        ("$filter=result gt 'warm'", "result"),
        ("$filter=phenomenonTime gt 5", "phenomenonTime"),
        ("$filter=phenomenonTime gt 2026-13-45T00:00:00Z", "not a valid time"),
        ("$filter=colour eq 'blue'", "colour"),
        ("$filter=(result gt 1", ")"),
        ("$expand=Sightings", "Sightings"),
        ("$select=colour", "colour"),
        ("$wat=1", "$wat"),
    ],
)
async def test_malformed_query_options_are_400(
    sta: str, http: aiohttp.ClientSession, query: str, message: str
) -> None:
    error = await get(http, f"{sta}/Observations?{query}", status=400)
    assert error["code"] == 400
    assert message in error["message"]
