"""The DCAT-AP-SE catalogue parses with rdflib and carries every mandatory property.

Mandatory properties per class follow DCAT-AP-SE (docs.dataportal.se/dcat; the example
exempel/obligatoriskt.ttl in diggsweden/DCAT-AP-SE): Catalog title, description, publisher,
dataset and licence; Dataset title, description, publisher and contact point; Distribution
access URL; Agent name; contact point name and e-mail; DataService title and endpoint URL.
"""

from __future__ import annotations

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

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

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CC0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/")

MANDATORY = {
    DCAT.Catalog: (
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.publisher,
        DCAT.dataset,
        DCTERMS.license,
    ),
    DCAT.Dataset: (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.contactPoint),
    DCAT.Distribution: (DCAT.accessURL,),
    FOAF.Agent: (FOAF.name,),
    VCARD.Organization: (VCARD.fn, VCARD.hasEmail),
    DCAT.DataService: (DCTERMS.title, DCAT.endpointURL),
}
RECOMMENDED_DATASET = (
    DCAT.distribution,
    DCTERMS.spatial,
    DCTERMS.temporal,
    DCTERMS.accrualPeriodicity,
    DCAT.keyword,
    DCAT.theme,
)


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


# rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
async def test_catalogue_parses_and_is_complete(
    hass: HomeAssistant, start_service: ServiceFactory, http: aiohttp.ClientSession
) -> None:
    hass.states.async_set(LAKE_BACKETJARN, "17.5", WATER)
    hass.states.async_set(LAKE_VOJEN, "16.0", WATER)
    hass.states.async_set(SNOW_DEPTH, "35", CM)
    hass.states.async_set(VISITORS_TODAY, "120", COUNT)
    service = await start_service()
    base = public_url(service)

    async with http.get(f"{base}/dcat") as response:
        assert response.status == 200
        assert response.content_type == "application/rdf+xml"
        rdfxml = await response.text()
    async with http.get(f"{base}/dcat.jsonld") as response:
        assert response.status == 200
        assert response.content_type == "application/ld+json"
        jsonld = await response.text()

    graph = Graph().parse(data=rdfxml, format="xml")
    assert isomorphic(graph, Graph().parse(data=jsonld, format="json-ld"))

    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert catalogs == [URIRef(f"{base}/dcat")]
    for rdf_class, properties in MANDATORY.items():
        members = list(graph.subjects(RDF.type, rdf_class))
        assert members, f"no {rdf_class}"
        for member in members:
            # Absolute IRIs, never blank nodes, for every class a harvester tracks.
            assert isinstance(member, URIRef) and not isinstance(member, BNode)
            assert str(member).startswith(base), member
            for prop in properties:
                assert list(graph.objects(member, prop)), f"{member} lacks {prop}"

    catalog = catalogs[0]
    assert set(graph.objects(catalog, DCTERMS.license)) == {CC0}
    assert languages(graph, catalog, DCTERMS.title) == {"sv", "en"}
    datasets = set(graph.objects(catalog, DCAT.dataset))
    assert datasets == {
        URIRef(f"{base}/dcat#dataset-{category}")
        for category in ("bathing_place", "snow_station", "trail")
    }
    for dataset in datasets:
        for prop in RECOMMENDED_DATASET:
            assert list(graph.objects(dataset, prop)), f"{dataset} lacks {prop}"
        assert languages(graph, dataset, DCTERMS.title) == {"sv", "en"}
        assert languages(graph, dataset, DCAT.keyword) == {"sv", "en"}
        for node in (
            *graph.objects(dataset, DCTERMS.publisher),
            *graph.objects(dataset, DCAT.contactPoint),
        ):
            assert isinstance(node, URIRef)
        for distribution in graph.objects(dataset, DCAT.distribution):
            assert set(graph.objects(distribution, DCTERMS.license)) == {CC0}
    publisher = next(graph.objects(catalog, DCTERMS.publisher))
    assert str(next(graph.objects(publisher, FOAF.name))) == "Ånge kommun"
    contact = next(graph.objects(next(iter(datasets)), DCAT.contactPoint))
    assert next(graph.objects(contact, VCARD.hasEmail)) == URIRef("mailto:oppnadata@ange.se")

    # Each download URL really serves the data it describes.
    bathing = URIRef(f"{base}/dcat#dataset-bathing_place")
    for distribution in graph.objects(bathing, DCAT.distribution):
        url = str(next(graph.objects(distribution, DCAT.accessURL)))
        async with http.get(url) as response:
            assert response.status == 200, url
    async with http.get(f"{base}/api/v1/latest.json?category=bathing_place") as response:
        rows = (await response.json())["datastreams"]
    assert {row["entity_id"] for row in rows} == {LAKE_BACKETJARN, LAKE_VOJEN}
