"""config.yaml, build.yaml, translations and repository.yaml against the Supervisor's rules.

The Supervisor skips an add-on whose config.yaml does not validate, without an error in
the UI. The rules below are written down as data from the Supervisor's source
(home-assistant/supervisor at 090ef31ec024952c2469ed5a7c9f3ce8c1a5499e, August 2026, where
add-ons are called apps):
- supervisor/apps/validate.py: _SCHEMA_APP_CONFIG (keys, types, defaults), RE_SERVICE,
  RE_VOLUME, the watchdog and webui patterns, _migrate_app_config and _warn_app_config
  (obsolete and deprecated keys, arches and map types), SCHEMA_BUILD_CONFIG,
  SCHEMA_APP_TRANSLATIONS and SCHEMA_TRANSLATION_CONFIGURATION;
- supervisor/apps/options.py: RE_SCHEMA_ELEMENT and how options are checked against the schema;
- supervisor/apps/const.py: RE_SLUG = r"[-_.A-Za-z0-9]+" and MappingType;
- supervisor/const.py: ARCH_ALL (aarch64, amd64), ARCH_DEPRECATED (armhf, armv7, i386),
  AppStartup, AppBootConfig, AppStage;
- supervisor/validate.py: network_port (1-65535), docker_ports (``\\d+(/tcp|/udp)?`` to a
  port or null).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import tomllib
from typing import Any

import pytest
import yaml

from conftest import ADDON
from lorawan_bridge.options import Options, parse_options

ROOT = ADDON.parents[1]

RE_SLUG = re.compile(r"^[-_.A-Za-z0-9]+$")
RE_SERVICE = re.compile(r"^(?P<service>mqtt|mysql):(?P<rights>provide|want|need)$")
RE_SCHEMA_ELEMENT = re.compile(
    r"^(?:"
    r"|bool"
    r"|email"
    r"|url"
    r"|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>\d+)?,(?P<i_max>\d+)?\))?"
    r"|float(?:\((?P<f_min>[\d\.]+)?,(?P<f_max>[\d\.]+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)
RE_WATCHDOG = re.compile(r"^(?:https?|\[PROTO:\w+\]|tcp):\/\/\[HOST\]:(\[PORT:\d+\]|\d+).*$")
RE_DOCKER_PORT = re.compile(r"^\d+(?:/tcp|/udp)?$")
RE_DOCKER_IMAGE_BUILD = re.compile(
    r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)(:[\.\-\w{}]+)?$"
)
# MappingType without the legacy add-on names (deprecated 2026.07) and "config" (2023.10).
MAP_TYPES = {
    "data",
    "ssl",
    "local_apps",
    "backup",
    "share",
    "media",
    "homeassistant_config",
    "all_app_configs",
    "app_config",
}
ARCH_ALL = {"aarch64", "amd64"}  # armhf, armv7 and i386 are deprecated
ARCH_WANTED = {"amd64", "aarch64"}  # STYLE.md
# Alpine releases the home-assistant/docker-base images are built for and that are not past
# end of life (docker-base README and builder.yml matrix, August 2026: 3.22, 3.23, 3.24).
MAINTAINED_ALPINE = {"3.22", "3.23", "3.24"}

REQUIRED = {"name": str, "version": str, "slug": str, "description": str, "arch": list}
# Optional keys with their type, and the default the Supervisor fills in (None = no default).
OPTIONAL: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "machine": (list, None),
    "url": (str, None),
    "startup": (str, "application"),
    "boot": (str, "auto"),
    "init": (bool, True),
    "advanced": (bool, False),
    "stage": (str, "stable"),
    "ports": (dict, None),
    "ports_description": (dict, None),
    "watchdog": (str, None),
    "webui": (str, None),
    "ingress": (bool, False),
    "ingress_port": (int, 8099),
    "ingress_entry": (str, None),
    "ingress_stream": (bool, False),
    "panel_icon": (str, "mdi:puzzle"),
    "panel_title": (str, None),
    "panel_admin": (bool, True),
    "homeassistant": (str, None),
    "host_network": (bool, False),
    "host_pid": (bool, False),
    "host_ipc": (bool, False),
    "host_uts": (bool, False),
    "host_dbus": (bool, False),
    "devices": (list, None),
    "udev": (bool, False),
    "tmpfs": (bool, False),
    "map": (list, []),
    "environment": (dict, None),
    "privileged": (list, None),
    "apparmor": (bool, True),
    "full_access": (bool, False),
    "audio": (bool, False),
    "video": (bool, False),
    "gpio": (bool, False),
    "usb": (bool, False),
    "uart": (bool, False),
    "devicetree": (bool, False),
    "kernel_modules": (bool, False),
    "realtime": (bool, False),
    "hassio_api": (bool, False),
    "hassio_role": (str, "default"),
    "homeassistant_api": (bool, False),
    "stdin": (bool, False),
    "legacy": (bool, False),
    "docker_api": (bool, False),
    "auth_api": (bool, False),
    "services": (list, None),
    "discovery": (list, None),
    "backup_exclude": (list, None),
    "backup_pre": (str, None),
    "backup_post": (str, None),
    "restore_pre": (str, None),
    "restore_post": (str, None),
    "backup": (str, "hot"),
    "options": (dict, {}),
    "schema": (dict, {}),
    "image": (str, None),
    "ulimits": (dict, {}),
    "timeout": (int, 10),
    "journald": (bool, False),
    "breaking_versions": (list, []),
}
# Renamed or dropped over the years (_migrate_addon_config, _warn_addon_config).
OBSOLETE = {
    "advanced",  # ignored since Supervisor 2026.03
    "auto_uart",
    "snapshot",
    "snapshot_exclude",
    "snapshot_pre",
    "snapshot_post",
    "codenotary",
}
ENUMS = {
    "startup": {"initialize", "system", "services", "application", "once"},
    "boot": {"auto", "manual", "manual_only"},
    "stage": {"stable", "experimental", "deprecated"},
    "backup": {"hot", "cold"},
}


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return _load(ADDON / "config.yaml")


def test_key_set_and_types(config: dict[str, Any]) -> None:
    for key, kind in REQUIRED.items():
        assert isinstance(config.get(key), kind), f"{key} missing or not {kind.__name__}"
    unknown = set(config) - set(REQUIRED) - set(OPTIONAL)
    assert not unknown, f"keys the Supervisor drops: {unknown}"
    for key, (kind, _) in OPTIONAL.items():
        if key in config:
            assert isinstance(config[key], kind), f"{key} is not {kind}"
    for key, allowed in ENUMS.items():
        if key in config:
            assert config[key] in allowed


def test_no_obsolete_keys_and_none_set_to_its_default(config: dict[str, Any]) -> None:
    assert not OBSOLETE & set(config)
    at_default = [
        key
        for key, (_, default) in OPTIONAL.items()
        if default is not None and key in config and config[key] == default
    ]
    assert not at_default, f"keys set to the Supervisor's default: {at_default}"


def test_slug_version_arch_and_services(config: dict[str, Any]) -> None:
    assert RE_SLUG.match(config["slug"])
    assert re.match(r"^\d+\.\d+\.\d+$", config["version"])
    assert set(config["arch"]) <= ARCH_ALL
    assert set(config["arch"]) == ARCH_WANTED
    assert all(RE_SERVICE.match(s) for s in config["services"])
    assert "mqtt:need" in config["services"]
    assert config["ingress"] is True
    assert RE_WATCHDOG.match(config["watchdog"])
    for port, host in config["ports"].items():
        assert RE_DOCKER_PORT.match(port)
        assert host is None or 1 <= host <= 65535
    assert set(config["ports_description"]) <= set(config["ports"])
    for volume in config["map"]:
        entry = {"type": volume} if isinstance(volume, str) else volume
        assert entry["type"] in MAP_TYPES


def test_schema_types_and_options_fit_the_schema(config: dict[str, Any]) -> None:
    schema: dict[str, str] = config["schema"]
    options: dict[str, Any] = config["options"]
    for key, element in schema.items():
        assert isinstance(element, str) and RE_SCHEMA_ELEMENT.match(element), key
    assert set(options) <= set(schema), "options without a schema entry are dropped"
    # A required schema entry must have a value, or the add-on cannot start.
    required = {k for k, v in schema.items() if not v.endswith("?")}
    assert required <= set(options)
    for key, value in options.items():
        element = schema[key].rstrip("?")
        if element in {"bool"}:
            assert isinstance(value, bool), key
        elif element == "port":
            assert isinstance(value, int) and 1 <= value <= 65535, key
        elif element.startswith("int"):
            low, high = re.match(r"int(?:\((\d*),(\d*)\))?", element).groups()  # type: ignore[union-attr]
            assert isinstance(value, int) and not isinstance(value, bool), key
            assert value >= int(low or 0) and (not high or value <= int(high)), key
        elif element.startswith("list("):
            assert value in element[5:-1].split("|"), key
        else:
            assert isinstance(value, str), key


def test_schema_keys_are_the_contract(config: dict[str, Any]) -> None:
    # DESIGN.md lists the flat keys; the bridge adds the CA file and the share group.
    design = {
        "network",
        "upstream_host",
        "upstream_port",
        "upstream_username",
        "upstream_password",
        "upstream_tls",
        "upstream_topic",
        "http_port",
        "http_secret",
        "downstream_host",
        "downstream_port",
        "downstream_username",
        "downstream_password",
        "queue_max_mb",
    }
    # ... and the end-to-end acknowledgement's resend timeout and HA's birth topic.
    extra = {"upstream_ca_file", "upstream_share_group", "ack_timeout_s", "ha_birth_topic"}
    assert set(config["schema"]) == design | extra
    assert set(config["schema"]) == set(Options.__dataclass_fields__)


def test_the_default_options_are_what_the_service_reads(config: dict[str, Any]) -> None:
    # As the Supervisor writes options.json: defaults plus what the installer filled in.
    written = json.loads(json.dumps(config["options"] | {"upstream_host": "ns.example"}))
    options = parse_options(written)
    assert options.network == "chirpstack"
    assert options.queue_max_mb == 1024
    assert options.http_port == 0


def test_translations_cover_the_schema(config: dict[str, Any]) -> None:
    for lang in ("en", "sv"):
        translation = _load(ADDON / "translations" / f"{lang}.yaml")
        assert set(translation) <= {"configuration", "network"}
        fields = translation["configuration"]
        assert set(fields) == set(config["schema"]), lang
        for key, text in fields.items():
            # SCHEMA_TRANSLATION_CONFIGURATION: name, an optional description and fields.
            assert set(text) <= {"name", "description", "fields"}, key
            assert isinstance(text["name"], str) and isinstance(text["description"], str), key
        assert set(translation["network"]) == set(config["ports"])


def test_build_yaml_and_dockerfile(config: dict[str, Any]) -> None:
    build = _load(ADDON / "build.yaml")
    assert set(build) <= {"build_from", "squash", "args", "labels"}
    assert set(build["build_from"]) == set(config["arch"])
    assert all(RE_DOCKER_IMAGE_BUILD.match(image) for image in build["build_from"].values())
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    # Works whether or not the builder passes BUILD_FROM.
    default = re.search(
        r"^ARG BUILD_FROM=ghcr\.io/home-assistant/base-python:(\d+\.\d+)-alpine(\d+\.\d+)$",
        dockerfile,
        re.M,
    )
    assert default is not None
    assert "FROM ${BUILD_FROM}" in dockerfile
    # Pinned to a maintained Alpine, the same tag for old Supervisors' per-arch images.
    python, alpine = default.groups()
    assert alpine in MAINTAINED_ALPINE
    assert build["build_from"] == {
        arch: f"ghcr.io/home-assistant/{arch}-base-python:{python}-alpine{alpine}"
        for arch in ("amd64", "aarch64")
    }
    project = tomllib.loads((ADDON / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["requires-python"] == f">={python}"
    assert build["labels"]["org.opencontainers.image.licenses"] == "Apache-2.0"
    docs = (ADDON / "DOCS.md").read_text(encoding="utf-8")
    assert "## Updating the base image" in docs
    assert f"base-python:{python}-alpine{alpine}" in docs


def test_ingress_and_watchdog_reach_the_status_port(config: dict[str, Any]) -> None:
    from lorawan_bridge.__main__ import _arguments

    # No ingress_port key: the Supervisor's default, 8099, is the service's default too.
    assert "ingress_port" not in config
    assert _arguments([]).ingress_port == 8099
    assert config["watchdog"] == "http://[HOST]:[PORT:8099]/health"
    # The receiver's container port is the one mapped, and its description is translated.
    assert set(config["ports"]) == {"8080/tcp"}


def test_changelog_has_an_entry_for_this_work() -> None:
    changelog = (ADDON / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog")
    assert re.search(r"^## \[(Unreleased|\d+\.\d+\.\d+)\]", changelog, re.M)
    assert "not configured yet" in changelog


def test_repository_yaml() -> None:
    repository = _load(ROOT / "repository.yaml")
    assert repository == {
        "name": "Ånge IoT add-ons",
        "url": "https://github.com/ange-kommun/ange-iot",
        "maintainer": "Ånge kommun",
    }


def test_store_files_exist() -> None:
    from PIL import Image

    for name in ("DOCS.md", "CHANGELOG.md", "README.md"):
        assert (ADDON / name).stat().st_size > 0
    with Image.open(ADDON / "icon.png") as icon:
        assert icon.size == (128, 128)
    with Image.open(ADDON / "logo.png") as logo:
        assert logo.format == "PNG"
