"""Packaging: config.yaml, build.yaml and translations checked against the Supervisor's rules.

The Supervisor silently skips an add-on whose config.yaml does not validate, so the rules
are written down here as data, transcribed from home-assistant/supervisor at
090ef31ec024952c2469ed5a7c9f3ce8c1a5499e (August 2026, where add-ons are called apps):
``supervisor/apps/validate.py`` (_SCHEMA_APP_CONFIG, _warn_app_config, _migrate_app_config,
SCHEMA_BUILD_CONFIG, SCHEMA_APP_TRANSLATIONS, SCHEMA_TRANSLATION_CONFIGURATION,
SCHEMA_ELEMENT), ``supervisor/apps/options.py`` (RE_SCHEMA_ELEMENT),
``supervisor/apps/const.py`` (RE_SLUG, MappingType), ``supervisor/const.py`` (ARCH_ALL,
ARCH_DEPRECATED) and ``supervisor/validate.py`` (docker_ports).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import tomllib
from typing import Any

from PIL import Image
import pytest
import yaml

from open_data.__main__ import MAPPED_PORT
from open_data.options import parse_options
from open_data.service import INGRESS_PORT

from .conftest import ADDON

RE_SLUG = re.compile(r"^[-_.A-Za-z0-9]+$")
RE_SCHEMA_ELEMENT = re.compile(
    r"^(?:"
    r"|bool"
    r"|email"
    r"|url"
    r"|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?"
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)
RE_DOCKER_PORT = re.compile(r"^\d+(?:/tcp|/udp)?$")
RE_SERVICE = re.compile(r"^(?:mqtt|mysql):(?:provide|want|need)$")
RE_IMAGE_BUILD = re.compile(r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)(:[\.\-\w{}]+)?$")
ARCH_ALL = {"aarch64", "amd64"}  # armhf, armv7 and i386 are deprecated
REQUIRED = ("name", "version", "slug", "description", "arch")

# key -> (type check, default or None); keys the Supervisor knows (everything else is
# dropped with extra=REMOVE_EXTRA, a sign of a typo or an obsolete key).
BOOL = "bool"
KEYS: dict[str, tuple[str, Any]] = {
    "name": ("str", None),
    "version": ("str", None),
    "slug": ("slug", None),
    "description": ("str", None),
    "arch": ("arch", None),
    "machine": ("list", None),
    "url": ("url", None),
    "startup": ("startup", "application"),
    "boot": ("boot", "auto"),
    "init": (BOOL, True),
    "advanced": (BOOL, False),
    "stage": ("stage", "stable"),
    "ports": ("ports", None),
    "ports_description": ("ports_description", None),
    "watchdog": ("str", None),
    "webui": ("str", None),
    "ingress": (BOOL, False),
    "ingress_port": ("port0", 8099),
    "ingress_entry": ("str", None),
    "ingress_stream": (BOOL, False),
    "panel_icon": ("str", "mdi:puzzle"),
    "panel_title": ("str", None),
    "panel_admin": (BOOL, True),
    "homeassistant": ("str", None),
    "host_network": (BOOL, False),
    "host_pid": (BOOL, False),
    "host_ipc": (BOOL, False),
    "host_uts": (BOOL, False),
    "host_dbus": (BOOL, False),
    "devices": ("list", None),
    "udev": (BOOL, False),
    "tmpfs": (BOOL, False),
    "map": ("list", None),
    "environment": ("dict", None),
    "privileged": ("list", None),
    "apparmor": (BOOL, True),
    "full_access": (BOOL, False),
    "audio": (BOOL, False),
    "video": (BOOL, False),
    "gpio": (BOOL, False),
    "usb": (BOOL, False),
    "uart": (BOOL, False),
    "devicetree": (BOOL, False),
    "kernel_modules": (BOOL, False),
    "realtime": (BOOL, False),
    "hassio_api": (BOOL, False),
    "hassio_role": ("role", "default"),
    "homeassistant_api": (BOOL, False),
    "stdin": (BOOL, False),
    "legacy": (BOOL, False),
    "docker_api": (BOOL, False),
    "auth_api": (BOOL, False),
    "services": ("services", None),
    "discovery": ("list", None),
    "backup_exclude": ("list", None),
    "backup_pre": ("str", None),
    "backup_post": ("str", None),
    "backup": ("backup", "hot"),
    "options": ("dict", {}),
    "schema": ("schema", {}),
    "image": ("str", None),
    "ulimits": ("dict", {}),
    "timeout": ("timeout", 10),
    "journald": (BOOL, False),
    "breaking_versions": ("list", None),
}
ENUMS = {
    "startup": {"initialize", "system", "services", "application", "once"},
    "boot": {"auto", "manual", "manual_only"},
    "stage": {"stable", "experimental", "deprecated"},
    "role": {"default", "homeassistant", "backup", "manager", "admin"},
    "backup": {"hot", "cold"},
}
# Renamed or removed keys the Supervisor only migrates with a warning.
OBSOLETE = {
    "advanced",  # ignored since Supervisor 2026.03
    "auto_uart",
    "snapshot",
    "snapshot_exclude",
    "snapshot_pre",
    "snapshot_post",
    "codenotary",
}


def check_value(kind: str, value: Any) -> bool:
    match kind:
        case "str":
            return isinstance(value, str)
        case "bool":
            return isinstance(value, bool)
        case "slug":
            return isinstance(value, str) and bool(RE_SLUG.match(value))
        case "arch":
            return isinstance(value, list) and bool(value) and set(value) <= ARCH_ALL
        case "url":
            return isinstance(value, str) and bool(re.match(r"^https?://[^\s/]+", value))
        case "list":
            return isinstance(value, list)
        case "dict":
            return isinstance(value, dict)
        case "ports":
            return isinstance(value, dict) and all(
                RE_DOCKER_PORT.match(str(k))
                and (v is None or (isinstance(v, int) and 1 <= v <= 65535))
                for k, v in value.items()
            )
        case "ports_description":
            return isinstance(value, dict) and all(RE_DOCKER_PORT.match(str(k)) for k in value)
        case "port0":
            return isinstance(value, int) and 0 <= value <= 65535
        case "services":
            return isinstance(value, list) and all(RE_SERVICE.match(v) for v in value)
        case "timeout":
            return isinstance(value, int) and 10 <= value <= 300
        case "schema":
            return value is False or (
                isinstance(value, dict) and all(schema_element(v) for v in value.values())
            )
        case _:
            return value in ENUMS[kind]


def schema_element(value: Any, in_list: bool = False) -> bool:
    """SCHEMA_ELEMENT: an element, a list of elements or dicts (not of lists), or a dict."""
    if isinstance(value, str):
        return bool(RE_SCHEMA_ELEMENT.match(value))
    if isinstance(value, list):
        return (
            not in_list
            and len(value) == 1
            and (
                (isinstance(value[0], str) and bool(RE_SCHEMA_ELEMENT.match(value[0])))
                or (
                    isinstance(value[0], dict) and all(schema_element(v) for v in value[0].values())
                )
            )
        )
    if isinstance(value, dict):
        return all(schema_element(v) for v in value.values())
    return False


def element_accepts(element: str, value: Any) -> bool:
    """Whether an option value fits its schema element, as the Supervisor's AddonOptions checks."""
    match = RE_SCHEMA_ELEMENT.match(element)
    assert match is not None
    base = element.rstrip("?").split("(")[0]
    if base in ("str", "password"):
        return isinstance(value, str)
    if base == "int":
        low, high = match.group("i_min"), match.group("i_max")
        return (
            isinstance(value, int)
            and (low is None or value >= int(low))
            and (high is None or value <= int(high))
        )
    if base == "float":
        low, high = match.group("f_min"), match.group("f_max")
        return (
            isinstance(value, int | float)
            and (low is None or value >= float(low))
            and (high is None or value <= float(high))
        )
    if base == "port":
        return isinstance(value, int) and 1 <= value <= 65535
    if base == "bool":
        return isinstance(value, bool)
    if base == "email":
        return isinstance(value, str) and "@" in value
    if base == "url":
        return isinstance(value, str) and bool(re.match(r"^https?://", value))
    if base == "match":
        return isinstance(value, str) and re.fullmatch(match.group("match"), value) is not None
    if base == "list":
        return value in match.group("list").split("|")
    return False


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load((ADDON / "config.yaml").read_text(encoding="utf-8"))


def test_config_keys_and_types(config: dict[str, Any]) -> None:
    for key in REQUIRED:
        assert key in config, key
    for key, value in config.items():
        assert key in KEYS, f"unknown or obsolete key {key}"
        assert key not in OBSOLETE
        kind, default = KEYS[key]
        assert check_value(kind, value), f"{key}: {value!r} is not a valid {kind}"
        # Setting a key to its default is noise the style guide rules out.
        assert default is None or value != default, f"{key} is set to its default"
    assert config["slug"] == "open_data"
    assert set(config["arch"]) == {"amd64", "aarch64"}
    assert config["ingress"] is True and config["homeassistant_api"] is True
    assert isinstance(config["version"], str)


def test_options_fit_the_schema(config: dict[str, Any]) -> None:
    schema, options = config["schema"], config["options"]
    for key, value in options.items():
        assert key in schema, f"option {key} has no schema"
        element = schema[key]
        if isinstance(element, str):
            assert element_accepts(element, value), f"{key}: {value!r} does not fit {element}"
    for key, element in schema.items():
        if isinstance(element, str) and not element.endswith("?") and key not in options:
            pytest.fail(f"required option {key} has no default in options")
    # The documented option keys are a contract (docs/DESIGN.md).
    assert {
        "ha_url",
        "ha_token",
        "publisher_name",
        "publisher_url",
        "contact_email",
        "license",
        "places",
    } <= set(schema)
    place_schema = schema["places"][0]
    assert set(place_schema) >= {
        "id",
        "name_sv",
        "name_en",
        "latitude",
        "longitude",
        "category",
        "entities",
    }
    assert place_schema["entities"] == ["str"]


def test_example_place_fits_schema_and_service(config: dict[str, Any]) -> None:
    place = {
        "id": "backetjarn",
        "name_sv": "Backetjärn badplats",
        "name_en": "Backetjärn bathing place",
        "latitude": 62.5166,
        "longitude": 15.6489,
        "category": "bathing_place",
        "entities": ["sensor.backetjarn_water_temperature"],
    }
    place_schema = config["schema"]["places"][0]
    for key, value in place.items():
        if key != "entities":
            assert element_accepts(place_schema[key], value), key
    options = parse_options(
        {**config["options"], "places": [place]}, environ={"SUPERVISOR_TOKEN": "x"}
    )
    assert options.places[0].entities == ("sensor.backetjarn_water_temperature",)
    assert options.port == config["ports"]["8080/tcp"]
    # The service's default port is the container port the add-on maps, and the add-on has no
    # port option (the Supervisor maps only 8080/tcp; the outside port is chosen under Network).
    assert {f"{MAPPED_PORT}/tcp"} == set(config["ports"])
    assert "port" not in config["options"]
    assert "port" not in config["schema"]


def test_translations_cover_every_option(config: dict[str, Any]) -> None:
    for lang in ("en", "sv"):
        translations = yaml.safe_load(
            (ADDON / "translations" / f"{lang}.yaml").read_text(encoding="utf-8")
        )
        assert set(translations) <= {"configuration", "network"}
        configuration = translations["configuration"]
        assert set(configuration) == set(config["schema"]), lang
        for entry in configuration.values():
            # SCHEMA_TRANSLATION_CONFIGURATION: name, an optional description and fields.
            assert set(entry) <= {"name", "description", "fields"}
            assert isinstance(entry["name"], str) and entry["name"]
        assert set(configuration["places"]["fields"]) == set(config["schema"]["places"][0])
        assert set(translations["network"]) == set(config["ports"])


def test_port_option_and_port_mapping_agree(config: dict[str, Any]) -> None:
    # The Supervisor maps a fixed container port; an option moving the service's port would
    # leave the mapping pointing nowhere. So the add-on has no port option, and the port the
    # service listens on without one is the mapped container port.
    assert "port" not in config["schema"] and "port" not in config["options"]
    (mapped,) = config["ports"]
    service = parse_options(config["options"], environ={"SUPERVISOR_TOKEN": "x"})
    assert mapped == f"{service.port}/tcp"
    assert set(config["ports_description"]) == {mapped}
    # Ingress reaches the admin page on the Supervisor's default ingress port.
    assert "ingress_port" not in config and INGRESS_PORT == 8099


# Alpine releases the home-assistant/docker-base images are built for and that are not past
# end of life (docker-base README and builder.yml matrix, August 2026: 3.22, 3.23, 3.24).
MAINTAINED_ALPINE = {"3.22", "3.23", "3.24"}


def test_build_yaml_and_dockerfile() -> None:
    build = yaml.safe_load((ADDON / "build.yaml").read_text(encoding="utf-8"))
    assert set(build) <= {"build_from", "squash", "args", "labels"}
    assert set(build["build_from"]) == {"amd64", "aarch64"}
    for image in build["build_from"].values():
        assert RE_IMAGE_BUILD.match(image), image
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8").splitlines()
    instructions = [line for line in dockerfile if line and not line.startswith("#")]
    default = re.fullmatch(r"ARG BUILD_FROM=ghcr\.io/home-assistant/base:([\w.]+)", instructions[0])
    assert default is not None, instructions[0]
    assert instructions[1] == "FROM ${BUILD_FROM}"
    # Pinned to a maintained Alpine, the same for old Supervisors (per-arch images).
    tag = default.group(1)
    assert tag in MAINTAINED_ALPINE
    assert build["build_from"] == {
        arch: f"ghcr.io/home-assistant/{arch}-base:{tag}" for arch in ("amd64", "aarch64")
    }
    assert build["labels"]["org.opencontainers.image.licenses"] == "Apache-2.0"
    docs = (ADDON / "DOCS.md").read_text(encoding="utf-8")
    assert "## Updating the base image" in docs and f"base:{tag}" in docs


def test_icons_and_docs() -> None:
    with Image.open(ADDON / "icon.png") as icon:
        assert icon.size == (128, 128)
    with Image.open(ADDON / "logo.png") as logo:
        assert logo.size[0] >= 250
    docs = (ADDON / "DOCS.md").read_text(encoding="utf-8")
    for path in ("/sta/v1.1/", "/dcat", "/api/v1/latest.json", "/api/v1/places.geojson", "req/s"):
        assert path in docs
    assert (ADDON / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")


def test_pinned_requirements() -> None:
    for name in ("requirements.txt", "requirements-test.txt"):
        for line in (ADDON / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith(("#", "-r")):
                assert re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", line), line
    project = tomllib.loads((ADDON / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "ange-open-data"
    assert json.loads(json.dumps(project["tool"]["setuptools"]["package-data"])) == {
        "open_data": ["py.typed", "templates/*.html"]
    }
    assert (ADDON / "src" / "open_data" / "py.typed").exists()
    assert Path(ADDON / "src" / "open_data" / "__main__.py").exists()
