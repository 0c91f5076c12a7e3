"""The catalogue validated with SHACL: DCAT-AP 3.0.1 (SEMIC's published shapes) and DCAT-AP-SE.

The shapes are vendored in ``tests/shapes`` (sources and licences in its README). The
catalogue is read from the running add-on over HTTP, as dataportal.se harvests it.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
from homeassistant.core import HomeAssistant
from pyshacl import validate
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

from .conftest import (
    CM,
    COUNT,
    LAKE_BACKETJARN,
    LAKE_VOJEN,
    SNOW_DEPTH,
    VISITORS_TODAY,
    WATER,
    ServiceFactory,
    public_url,
)

SHAPES = Path(__file__).parent / "shapes"
CC0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DCATAP = Namespace("http://data.europa.eu/r5r/")
# A number of the right form (ten digits, Luhn check digit) for a municipality.
ORGANISATION_NUMBER = "212000-2387"
AREA = "http://example.org/area/ange-kommun"  # an example IRI of the municipality's area


def shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def results(data: Graph) -> list[tuple[str, str, str]]:
    """(severity, focus node, path) of every result: violations and warnings alike."""
    _, report, _ = validate(data, shacl_graph=shapes(), allow_warnings=False)
    assert isinstance(report, Graph)
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rpartition("#")[2]
        found.append(
            (
                severity,
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath)),
            )
        )
    return sorted(found)


async def catalogue(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession, **options: str
) -> tuple[str, Graph]:
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    hass.states.async_set(LAKE_VOJEN, "16.0", WATER)
    hass.states.async_set(SNOW_DEPTH, "35", CM)
    hass.states.async_set(VISITORS_TODAY, "120", COUNT)
    service = await start_service(**options)
    base = public_url(service)
    async with http.get(f"{base}/dcat") as response:
        assert response.status == 200
        return base, Graph().parse(data=await response.text(), format="xml")


# rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
async def test_catalogue_passes_dcat_ap_and_dcat_ap_se_shapes(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    base, graph = await catalogue(
        hass,
        start_service,
        http,
        license=CC_BY,
        organisation_number=ORGANISATION_NUMBER,
        municipality_area=AREA,
    )
    # Mandatory and recommended alike: not one violation, not one warning.
    assert results(graph) == []
    # The JSON-LD form is the same catalogue.
    async with http.get(f"{base}/dcat.jsonld") as response:
        assert results(Graph().parse(data=await response.text(), format="json-ld")) == []

    catalog = URIRef(f"{base}/dcat")
    # The data is CC BY, the catalogue record stays CC0.
    assert set(graph.objects(catalog, DCTERMS.license)) == {CC0}
    assert set(graph.objects(catalog, DCTERMS.spatial)) == {URIRef(AREA)}
    publisher = URIRef("http://dataportal.se/organisation/SE2120002387")
    assert set(graph.objects(catalog, DCTERMS.publisher)) == {publisher}
    for dataset in graph.objects(catalog, DCAT.dataset):
        assert set(graph.objects(dataset, DCTERMS.publisher)) == {publisher}
        assert list(graph.objects(dataset, DCTERMS.issued))
        for distribution in graph.objects(dataset, DCAT.distribution):
            assert set(graph.objects(distribution, DCTERMS.license)) == {URIRef(CC_BY)}
            assert list(graph.objects(distribution, DCATAP.availability))
            for media_type in graph.objects(distribution, DCAT.mediaType):
                assert str(media_type).startswith("http://www.iana.org/assignments/media-types/")
    service = URIRef(f"{base}/dcat#sensorthings")
    assert list(graph.objects(service, DCTERMS.format))


async def test_shapes_catch_what_the_profile_forbids(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    """The shapes are live: the defects found in the old catalogue are reported again."""
    base, graph = await catalogue(
        hass, start_service, http, organisation_number=ORGANISATION_NUMBER, municipality_area=AREA
    )
    catalog = URIRef(f"{base}/dcat")
    service = URIRef(f"{base}/dcat#sensorthings")
    graph.set((catalog, DCTERMS.license, URIRef(CC_BY)))
    graph.remove((service, DCTERMS.format, None))
    csv = URIRef(f"{base}/dcat#dataset-bathing_place-csv")
    graph.set(
        (csv, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/csv"))
    )
    graph.remove((csv, DCATAP.availability, None))
    graph.remove((catalog, DCTERMS.issued, None))
    found = results(graph)
    assert ("Violation", str(catalog), str(DCTERMS.license)) in found
    assert ("Violation", str(service), str(DCTERMS.format)) in found
    assert ("Warning", str(csv), str(DCAT.mediaType)) in found
    assert ("Warning", str(csv), str(DCATAP.availability)) in found
    assert ("Warning", str(catalog), str(DCTERMS.issued)) in found


@pytest.mark.parametrize(
    ("options", "missing"),
    [
        ({}, {"publisher", "spatial"}),
        ({"organisation_number": ORGANISATION_NUMBER}, {"spatial"}),
    ],
)
async def test_without_the_profile_options_only_warnings_remain(
    hass: HomeAssistant,
    start_service: ServiceFactory,
    http: aiohttp.ClientSession,
    options: dict[str, str],
    missing: set[str],
) -> None:
    """Without the organisation number or area the catalogue is valid but says what it lacks."""
    _, graph = await catalogue(hass, start_service, http, **options)
    found = results(graph)
    assert {severity for severity, _, _ in found} == {"Warning"}
    assert {path.rpartition("/")[2] for _, _, path in found} == missing
