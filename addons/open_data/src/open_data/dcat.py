"""The DCAT-AP-SE catalogue for dataportal.se, as RDF/XML and JSON-LD.

One dataset per place category that has published datastreams, each with JSON, CSV and
GeoJSON downloads and the SensorThings API as an access service. Every catalogue, dataset,
distribution, publisher and contact point has an absolute IRI under the public URL: no
blank nodes, so a harvester sees the same resources on every harvest.

Mandatory and recommended properties follow DCAT-AP-SE (docs.dataportal.se/dcat, examples
exempel/obligatoriskt.ttl and exempel/rekommenderat.ttl in diggsweden/DCAT-AP-SE).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .catalog import Catalogue
from .timeutil import iso

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "locn": "http://www.w3.org/ns/locn#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "dcatap": "http://data.europa.eu/r5r/",
}
EU = "http://publications.europa.eu/resource/authority/"
# DCAT-AP names media types by their http:// IANA IRIs (the https:// form is another IRI).
IANA = "http://www.iana.org/assignments/media-types/"
# DCAT-AP-SE: the catalogue's own metadata is always CC0, whatever the data's licence.
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
DATAPORTAL_ORGANISATION = "http://dataportal.se/organisation/SE"
PUBLIC = EU + "access-right/PUBLIC"
# The downloads and the API are meant to stay: DCAT-AP's planned-availability "stable".
STABLE = EU + "planned-availability/STABLE"
FILE_TYPES = {"json": "JSON", "csv": "CSV", "geojson": "GEOJSON"}
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}

_DATASETS: dict[str, dict[str, Any]] = {
    "bathing_place": {
        "title": ("Badtemperaturer", "Bathing water temperatures"),
        "description": (
            "Vattentemperatur vid kommunens badplatser, mätt med sensorer i vattnet.",
            "Water temperature at the municipality's bathing places, measured by sensors in the water.",
        ),
        "keywords": (
            ("badplats", "vattentemperatur", "bad"),
            ("bathing place", "water temperature", "swimming"),
        ),
        "theme": "ENVI",
    },
    "snow_station": {
        "title": ("Snödjup och is", "Snow depth and ice"),
        "description": (
            "Snödjup och istjocklek vid kommunens mätstationer.",
            "Snow depth and ice thickness at the municipality's measuring stations.",
        ),
        "keywords": (("snödjup", "is", "vinter"), ("snow depth", "ice", "winter")),
        "theme": "ENVI",
    },
    "trail": {
        "title": ("Besökare på leder", "Trail visitors"),
        "description": (
            "Antal passager som räknas automatiskt på kommunens leder.",
            "Number of passages counted automatically on the municipality's trails.",
        ),
        "keywords": (
            ("led", "besökare", "friluftsliv"),
            ("trail", "visitors", "outdoor recreation"),
        ),
        "theme": "EDUC",
    },
    "heritage_site": {
        "title": ("Kulturarvsplatser", "Cultural heritage sites"),
        "description": (
            "Mätvärden från kommunens kulturarvsplatser.",
            "Measurements from the municipality's cultural heritage sites.",
        ),
        "keywords": (("kulturarv", "fornlämning"), ("cultural heritage", "heritage site")),
        "theme": "EDUC",
    },
}


@dataclass(frozen=True, slots=True)
class IRI:
    """A resource."""

    value: str


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal, with a language or a datatype (an xsd: local name)."""

    value: str
    lang: str | None = None
    datatype: str | None = None


type Term = IRI | Literal
type Triple = tuple[str, str, Term]


def _curie(iri: str) -> tuple[str, str]:
    for prefix, namespace in NS.items():
        if iri.startswith(namespace):
            return prefix, iri[len(namespace) :]
    raise ValueError(f"no prefix for {iri}")


def build(catalogue: Catalogue, origin: str) -> list[Triple]:
    """The catalogue's triples, with IRIs under ``origin`` (the public base URL)."""
    options = catalogue.options
    base = f"{origin}/dcat"
    catalog = base
    publisher = options.publisher_iri or f"{base}#publisher"
    contact = f"{base}#contact-point"
    service = f"{base}#sensorthings"
    triples: list[Triple] = []

    def add(subject: str, predicate: str, obj: Term) -> None:
        prefix, _, local = predicate.partition(":")
        triples.append((subject, NS[prefix] + local, obj))

    def both(subject: str, predicate: str, texts: tuple[str, str]) -> None:
        add(subject, predicate, Literal(texts[0], lang="sv"))
        add(subject, predicate, Literal(texts[1], lang="en"))

    licence = IRI(options.license)
    streams = list(catalogue.streams.values())
    newest = max((s.latest[1] for s in streams if s.latest), default=None)
    # Issued: when the add-on first published a place (the store keeps that date for good).
    since = {thing.place.id: thing.since_ms for thing in catalogue.things.values()}

    add(catalog, "rdf:type", IRI(NS["dcat"] + "Catalog"))
    both(
        catalog,
        "dcterms:title",
        (f"Öppna data från {options.publisher_name}", f"Open data from {options.publisher_name}"),
    )
    both(
        catalog,
        "dcterms:description",
        (
            "Sensordata om badtemperaturer, snödjup, is och besökare, publicerade som öppna data.",
            "Sensor data on bathing water temperatures, snow depth, ice and visitors, published as open data.",
        ),
    )
    add(catalog, "dcterms:publisher", IRI(publisher))
    add(catalog, "dcterms:license", IRI(CC0))
    if since:
        add(catalog, "dcterms:issued", Literal(iso(min(since.values())), datatype="dateTime"))
    if options.municipality_area:
        add(catalog, "dcterms:spatial", IRI(options.municipality_area))
    add(catalog, "foaf:homepage", IRI(f"{origin}/"))
    add(catalog, "dcterms:language", IRI(EU + "language/SWE"))
    add(catalog, "dcterms:language", IRI(EU + "language/ENG"))
    add(catalog, "dcat:themeTaxonomy", IRI(EU + "data-theme"))
    add(catalog, "dcat:service", IRI(service))
    if newest is not None:
        add(catalog, "dcterms:modified", Literal(iso(newest), datatype="dateTime"))

    add(publisher, "rdf:type", IRI(NS["foaf"] + "Agent"))
    add(publisher, "foaf:name", Literal(options.publisher_name, lang="sv"))
    add(publisher, "foaf:homepage", IRI(options.publisher_url + "/"))
    add(publisher, "dcterms:type", IRI("http://purl.org/adms/publishertype/LocalAuthority"))

    add(contact, "rdf:type", IRI(NS["vcard"] + "Organization"))
    add(contact, "vcard:fn", Literal(options.publisher_name))
    add(contact, "vcard:hasEmail", IRI(f"mailto:{options.contact_email}"))

    add(service, "rdf:type", IRI(NS["dcat"] + "DataService"))
    both(service, "dcterms:title", ("SensorThings API", "SensorThings API"))
    both(
        service,
        "dcterms:description",
        ("OGC SensorThings API v1.1, endast läsning.", "OGC SensorThings API v1.1, read-only."),
    )
    add(service, "dcat:endpointURL", IRI(f"{origin}/sta/v1.1/"))
    add(service, "dcat:endpointDescription", IRI("https://docs.ogc.org/is/18-088/18-088.html"))
    add(service, "dcterms:conformsTo", IRI("http://www.opengis.net/doc/is/sensorthings/1.1"))
    add(service, "dcterms:license", licence)
    add(service, "dcterms:accessRights", IRI(PUBLIC))
    add(service, "dcterms:format", IRI(EU + "file-type/JSON"))
    add(service, "dcat:theme", IRI(EU + "data-theme/ENVI"))
    for word, lang in (("sensordata", "sv"), ("sensor data", "en"), ("SensorThings", "en")):
        add(service, "dcat:keyword", Literal(word, lang=lang))
    add(service, "dcterms:publisher", IRI(publisher))
    add(service, "dcat:contactPoint", IRI(contact))

    for category, meta in _DATASETS.items():
        category_streams = [s for s in streams if s.place.category == category]
        if not category_streams:
            continue
        dataset = f"{base}#dataset-{category}"
        add(catalog, "dcat:dataset", IRI(dataset))
        add(service, "dcat:servesDataset", IRI(dataset))
        add(dataset, "rdf:type", IRI(NS["dcat"] + "Dataset"))
        both(dataset, "dcterms:title", meta["title"])
        both(dataset, "dcterms:description", meta["description"])
        add(dataset, "dcterms:publisher", IRI(publisher))
        add(dataset, "dcat:contactPoint", IRI(contact))
        add(dataset, "dcterms:identifier", Literal(dataset))
        add(dataset, "dcat:landingPage", IRI(f"{origin}/"))
        add(dataset, "dcat:theme", IRI(EU + "data-theme/" + meta["theme"]))
        add(dataset, "dcterms:accrualPeriodicity", IRI(EU + "frequency/UPDATE_CONT"))
        add(dataset, "dcterms:language", IRI(EU + "language/SWE"))
        add(dataset, "dcterms:accessRights", IRI(PUBLIC))
        add(
            dataset,
            "dcterms:issued",
            Literal(iso(min(since[s.place.id] for s in category_streams)), datatype="dateTime"),
        )
        if options.municipality_area:
            add(dataset, "dcterms:spatial", IRI(options.municipality_area))
        sv_words, en_words = meta["keywords"]
        for word in sv_words:
            add(dataset, "dcat:keyword", Literal(word, lang="sv"))
        for word in en_words:
            add(dataset, "dcat:keyword", Literal(word, lang="en"))
        for place in {s.place.id: s.place for s in category_streams}.values():
            location = f"{base}#location-{place.id}"
            add(dataset, "dcterms:spatial", IRI(location))
            add(location, "rdf:type", IRI(NS["dcterms"] + "Location"))
            add(location, "locn:geographicName", Literal(place.name_sv, lang="sv"))
            add(location, "locn:geographicName", Literal(place.name_en, lang="en"))
            point = Literal(f"POINT({place.longitude} {place.latitude})", datatype="gsp:wktLiteral")
            add(location, "dcat:centroid", point)
            # A place is a point: its bounding box is that point.
            add(location, "dcat:bbox", point)
        starts = [s.first_ms for s in category_streams if s.first_ms is not None]
        if starts:
            period = f"{base}#period-{category}"
            add(dataset, "dcterms:temporal", IRI(period))
            add(period, "rdf:type", IRI(NS["dcterms"] + "PeriodOfTime"))
            add(period, "dcat:startDate", Literal(iso(min(starts)), datatype="dateTime"))
            ends = [s.latest[1] for s in category_streams if s.latest is not None]
            # The data reaches as far as its newest value; the period grows with each harvest.
            add(
                period,
                "dcat:endDate",
                Literal(iso(max(ends, default=min(starts))), datatype="dateTime"),
            )
        for kind, path in (
            ("json", f"/api/v1/latest.json?category={category}"),
            ("csv", f"/api/v1/latest.csv?category={category}"),
            ("geojson", f"/api/v1/places.geojson?category={category}"),
        ):
            distribution = f"{base}#dataset-{category}-{kind}"
            url = IRI(origin + path)
            add(dataset, "dcat:distribution", IRI(distribution))
            add(distribution, "rdf:type", IRI(NS["dcat"] + "Distribution"))
            both(
                distribution,
                "dcterms:title",
                (f"Senaste värden ({FILE_TYPES[kind]})", f"Latest values ({FILE_TYPES[kind]})"),
            )
            both(
                distribution,
                "dcterms:description",
                (
                    "Senaste mätvärde per mätserie, uppdateras när ett nytt värde kommer.",
                    "The latest value of each datastream, updated when a new value arrives.",
                ),
            )
            add(distribution, "dcat:accessURL", url)
            add(distribution, "dcat:downloadURL", url)
            add(distribution, "dcterms:format", IRI(EU + "file-type/" + FILE_TYPES[kind]))
            add(
                distribution,
                "dcat:mediaType",
                IRI(IANA + MEDIA_TYPES[kind]),
            )
            add(distribution, "dcterms:license", licence)
            add(distribution, "dcatap:availability", IRI(STABLE))
        distribution = f"{base}#dataset-{category}-sensorthings"
        add(dataset, "dcat:distribution", IRI(distribution))
        add(distribution, "rdf:type", IRI(NS["dcat"] + "Distribution"))
        both(distribution, "dcterms:title", ("SensorThings API", "SensorThings API"))
        both(
            distribution,
            "dcterms:description",
            (
                "Historik och senaste värden via OGC SensorThings API.",
                "History and latest values through the OGC SensorThings API.",
            ),
        )
        add(distribution, "dcat:accessURL", IRI(f"{origin}/sta/v1.1/"))
        add(distribution, "dcat:accessService", IRI(service))
        add(distribution, "dcterms:format", IRI(EU + "file-type/JSON"))
        add(distribution, "dcat:mediaType", IRI(IANA + MEDIA_TYPES["json"]))
        add(distribution, "dcterms:license", licence)
        add(distribution, "dcatap:availability", IRI(STABLE))
    return triples


def _by_subject(triples: Iterable[Triple]) -> dict[str, list[tuple[str, Term]]]:
    subjects: dict[str, list[tuple[str, Term]]] = {}
    for subject, predicate, obj in triples:
        subjects.setdefault(subject, []).append((predicate, obj))
    return subjects


def to_rdfxml(triples: Iterable[Triple]) -> str:
    """RDF/XML: one typed node element per resource."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    lines += [f"    xmlns:{prefix}={quoteattr(namespace)}" for prefix, namespace in NS.items()]
    lines[-1] += ">"
    rdf_type = NS["rdf"] + "type"
    for subject, pairs in _by_subject(triples).items():
        types = [o.value for p, o in pairs if p == rdf_type and isinstance(o, IRI)]
        element = ":".join(_curie(types[0])) if types else "rdf:Description"
        lines.append(f"  <{element} rdf:about={quoteattr(subject)}>")
        for predicate, obj in pairs:
            if (
                predicate == rdf_type
                and isinstance(obj, IRI)
                and obj.value == (types[0] if types else None)
            ):
                continue
            name = ":".join(_curie(predicate))
            if isinstance(obj, IRI):
                lines.append(f"    <{name} rdf:resource={quoteattr(obj.value)}/>")
                continue
            attributes = ""
            if obj.lang:
                attributes = f" xml:lang={quoteattr(obj.lang)}"
            elif obj.datatype:
                prefix, _, local = obj.datatype.rpartition(":")
                datatype = NS[prefix or "xsd"] + local
                attributes = f" rdf:datatype={quoteattr(datatype)}"
            lines.append(f"    <{name}{attributes}>{escape(obj.value)}</{name}>")
        lines.append(f"  </{element}>")
    lines.append("</rdf:RDF>")
    return "\n".join(lines) + "\n"


def to_jsonld(triples: Iterable[Triple]) -> str:
    """JSON-LD: a @graph of node objects, keys as compact IRIs from the @context."""
    graph: list[dict[str, Any]] = []
    rdf_type = NS["rdf"] + "type"
    for subject, pairs in _by_subject(triples).items():
        node: dict[str, Any] = {"@id": subject}
        for predicate, obj in pairs:
            if predicate == rdf_type and isinstance(obj, IRI):
                node.setdefault("@type", []).append(":".join(_curie(obj.value)))
                continue
            key = ":".join(_curie(predicate))
            if isinstance(obj, IRI):
                value: dict[str, str] = {"@id": obj.value}
            elif obj.lang:
                value = {"@value": obj.value, "@language": obj.lang}
            elif obj.datatype:
                prefix, _, local = obj.datatype.rpartition(":")
                value = {"@value": obj.value, "@type": f"{prefix or 'xsd'}:{local}"}
            else:
                value = {"@value": obj.value}
            node.setdefault(key, []).append(value)
        graph.append(node)
    return json.dumps({"@context": dict(NS), "@graph": graph}, ensure_ascii=False, indent=1)
