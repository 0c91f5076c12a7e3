"""The add-on's flat options (DESIGN.md) and the upstream topics they imply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
from pathlib import Path
import re
from typing import Any, Final

from .ack import DEFAULT_ACK_TIMEOUT_S, DEFAULT_BIRTH_TOPIC
from .events import NETWORKS

DEFAULT_QUEUE_MAX_MB: Final = 1024
# What the log says when neither source is set, as the shipped defaults leave it.
NOT_CONFIGURED: Final = "not configured yet: set upstream_host or http_port"
SSL_DIR: Final = Path("/ssl")
_SHARE_GROUP = re.compile(r"^[A-Za-z0-9_-]*$")


class OptionsError(ValueError):
    """Options the bridge cannot run with; the message names the option."""


@dataclass(frozen=True, slots=True)
class Options:
    """Validated options. Empty strings mean "not set", as the Supervisor writes them."""

    network: str
    upstream_host: str = ""
    upstream_port: int = 1883
    upstream_username: str = ""
    upstream_password: str = ""
    upstream_tls: bool = False
    upstream_ca_file: str = ""
    upstream_topic: str = ""
    upstream_share_group: str = ""
    http_port: int = 0
    http_secret: str = ""
    downstream_host: str = ""
    downstream_port: int = 1883
    downstream_username: str = ""
    downstream_password: str = ""
    queue_max_mb: int = DEFAULT_QUEUE_MAX_MB
    ack_timeout_s: int = DEFAULT_ACK_TIMEOUT_S
    ha_birth_topic: str = DEFAULT_BIRTH_TOPIC

    @property
    def configured(self) -> bool:
        """Whether there is anything to receive from: an upstream broker or the receiver."""
        return bool(self.upstream_host or self.http_port)

    @property
    def queue_max_bytes(self) -> int:
        """The queue's size limit in bytes of stored events."""
        return self.queue_max_mb * 1024 * 1024

    @property
    def ca_path(self) -> Path | None:
        """The upstream CA file; a relative name is looked up in the add-on's /ssl."""
        if not self.upstream_ca_file:
            return None
        path = Path(self.upstream_ca_file)
        return path if path.is_absolute() else SSL_DIR / path

    def upstream_topics(self) -> list[str]:
        """The topic filters to subscribe upstream, shared when a group is set."""
        if self.upstream_topic:
            topics = [t.strip() for t in self.upstream_topic.split(",") if t.strip()]
        elif self.network == "chirpstack":
            topics = ["application/+/device/+/event/+"]
        else:
            # A TTS MQTT username is the application id with its tenant (app@tenant).
            app = self.upstream_username or "+"
            topics = [f"v3/{app}/devices/+/{level}" for level in ("up", "join", "down/+")]
        if self.upstream_share_group:
            return [f"$share/{self.upstream_share_group}/{t}" for t in topics]
        return topics


def _str(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OptionsError(f"{key} must be a string")
    return value.strip()


def _int(raw: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionsError(f"{key} must be a whole number")
    if not low <= value <= high:
        raise OptionsError(f"{key} must be between {low} and {high}")
    return int(value)


def _bool(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise OptionsError(f"{key} must be true or false")
    return value


def parse_options(raw: Mapping[str, Any]) -> Options:
    """Options from the flat mapping; raises OptionsError naming the first bad key."""
    network = _str(raw, "network") or "chirpstack"
    if network not in NETWORKS:
        raise OptionsError(f"network must be one of {', '.join(sorted(NETWORKS))}")
    share_group = _str(raw, "upstream_share_group")
    if not _SHARE_GROUP.match(share_group):
        raise OptionsError("upstream_share_group may hold only letters, digits, - and _")
    options = Options(
        network=network,
        upstream_host=_str(raw, "upstream_host"),
        upstream_port=_int(raw, "upstream_port", 1883, 1, 65535),
        upstream_username=_str(raw, "upstream_username"),
        upstream_password=_str(raw, "upstream_password"),
        upstream_tls=_bool(raw, "upstream_tls"),
        upstream_ca_file=_str(raw, "upstream_ca_file"),
        upstream_topic=_str(raw, "upstream_topic"),
        upstream_share_group=share_group,
        http_port=_int(raw, "http_port", 0, 0, 65535),
        http_secret=_str(raw, "http_secret"),
        downstream_host=_str(raw, "downstream_host"),
        downstream_port=_int(raw, "downstream_port", 1883, 1, 65535),
        downstream_username=_str(raw, "downstream_username"),
        downstream_password=_str(raw, "downstream_password"),
        queue_max_mb=_int(raw, "queue_max_mb", DEFAULT_QUEUE_MAX_MB, 1, 1024 * 1024),
        ack_timeout_s=_int(raw, "ack_timeout_s", DEFAULT_ACK_TIMEOUT_S, 2, 3600),
        ha_birth_topic=_str(raw, "ha_birth_topic") or DEFAULT_BIRTH_TOPIC,
    )
    # Neither source set is not an error: it is how the add-on is installed, and it then
    # waits with its status page up (see Options.configured) instead of exiting.
    if any(c in options.ha_birth_topic for c in "+#"):
        raise OptionsError("ha_birth_topic must be a topic, without + or #")
    if options.http_port and not options.http_secret:
        # An empty secret would open the receiver to anyone who can reach the port.
        raise OptionsError("http_secret is required when http_port is set")
    return options


def load_options(path: Path) -> Options:
    """Read and validate an options.json file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise OptionsError(f"cannot read {path}: {err.strerror}") from None
    except ValueError as err:
        raise OptionsError(f"{path} is not JSON: {err}") from None
    if not isinstance(raw, dict):
        raise OptionsError(f"{path} must hold a JSON object")
    return parse_options(raw)
