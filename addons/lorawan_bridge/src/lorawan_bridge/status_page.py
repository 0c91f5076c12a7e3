"""The ingress status page, in Swedish and English."""

from __future__ import annotations

from html import escape
from typing import Final

from . import __version__

_TEXT: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "title": "LoRaWAN-brygga",
        "intro": "Tar emot händelser från nätverksservern, sparar dem på disk och skickar dem vidare till Home Assistants MQTT-broker.",
        "upstream": "Nätverksserverns broker",
        "downstream": "Home Assistants broker",
        "connected": "ansluten",
        "disconnected": "inte ansluten",
        "off": "används inte",
        "http": "HTTP-mottagare",
        "received": "Mottagna händelser",
        "forwarded": "Vidareskickade händelser",
        "queued": "Händelser i kön",
        "invalid": "Felaktiga meddelanden",
        "dropped": "Kastade händelser (kön full)",
        "duplicates": "Dubbletter",
        "oldest_queued_age_s": "Äldsta händelsen i kön (s)",
        "downlinks_forwarded": "Vidareskickade nedlänkar",
        "downlinks_invalid": "Felaktiga nedlänkar",
        "uptime_s": "Drifttid (s)",
        "awaiting_ack": "Skickade, väntar på kvittens från Home Assistant",
        "ack": "Kvittens",
        "ack_end_to_end": "från Ånge IoT-integrationen (hela vägen in i Home Assistant)",
        "ack_broker": "bara från brokern: ingen integration som kvitterar hittades. Händelser som skickas medan Home Assistant är borta kan gå förlorade.",
        "ack_waiting": "väntar på besked från integrationen",
        "network": "Nätverksserver",
        "json": "Samma uppgifter som JSON",
        "other": "English",
        "status": "Status",
        "not_configured": "inte inställd än: ange upstream_host eller http_port",
        "not_configured_hint": "Ange dem under fliken Konfiguration för tillägget. Bryggan startar om och börjar ta emot händelser.",
    },
    "en": {
        "title": "LoRaWAN bridge",
        "intro": "Receives events from the network server, stores them on disk and forwards them to Home Assistant's MQTT broker.",
        "upstream": "Network server's broker",
        "downstream": "Home Assistant's broker",
        "connected": "connected",
        "disconnected": "not connected",
        "off": "not used",
        "http": "HTTP receiver",
        "received": "Events received",
        "forwarded": "Events forwarded",
        "queued": "Events in the queue",
        "invalid": "Invalid messages",
        "dropped": "Events dropped (queue full)",
        "duplicates": "Duplicates",
        "oldest_queued_age_s": "Oldest queued event (s)",
        "downlinks_forwarded": "Downlinks forwarded",
        "downlinks_invalid": "Invalid downlinks",
        "uptime_s": "Uptime (s)",
        "awaiting_ack": "Sent, awaiting Home Assistant's acknowledgement",
        "ack": "Acknowledgement",
        "ack_end_to_end": "by the Ånge IoT integration (all the way into Home Assistant)",
        "ack_broker": "by the broker only: no acknowledging integration was found. Events sent while Home Assistant is away can be lost.",
        "ack_waiting": "waiting to hear from the integration",
        "network": "Network server",
        "json": "The same figures as JSON",
        "other": "Svenska",
        "status": "Status",
        "not_configured": "not configured yet: set upstream_host or http_port",
        "not_configured_hint": "Set them in the add-on's Configuration tab. The bridge restarts and starts receiving events.",
    },
}
_ROWS: Final = (
    "received",
    "forwarded",
    "queued",
    "oldest_queued_age_s",
    "invalid",
    "duplicates",
    "dropped",
    "downlinks_forwarded",
    "downlinks_invalid",
    "awaiting_ack",
    "uptime_s",
)


def pick_language(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the browser's first supported language, else Swedish."""
    if query in _TEXT:
        return query
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in _TEXT:
            return tag
    return "sv"


def render(
    lang: str,
    ingress_path: str,
    network: str,
    snapshot: dict[str, int | float | bool | str],
    upstream_used: bool,
    http_used: bool,
) -> str:
    """The whole page. Links are prefixed with the ingress path so they work behind HA."""
    t = _TEXT[lang]
    base = escape(ingress_path.rstrip("/"), quote=True)
    other = "en" if lang == "sv" else "sv"

    def state(used: bool, connected: bool) -> str:
        if not used:
            return t["off"]
        return t["connected"] if connected else t["disconnected"]

    # The shipped defaults set neither source: say so first, rather than "not used" twice.
    configured = upstream_used or http_used
    notice = (
        ""
        if configured
        else f'<li>{escape(t["status"])}: <strong class="bad">{escape(t["not_configured"])}</strong></li>\n'
    )
    hint = "" if configured else f"<p>{escape(t['not_configured_hint'])}</p>\n"
    ack_mode = str(snapshot["ack_mode"])
    ack_class = ' class="bad"' if ack_mode == "broker" else ""
    rows = "\n".join(
        f'<tr><th scope="row">{escape(t[key])}</th><td>{snapshot[key]}</td></tr>' for key in _ROWS
    )
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<title>{escape(t["title"])}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #1c1c1c; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }}
td {{ font-variant-numeric: tabular-nums; text-align: right; }}
.bad {{ color: #b00020; }}
</style>
</head>
<body>
<h1>{escape(t["title"])}</h1>
<p>{escape(t["intro"])}</p>
<ul>
{notice}<li>{escape(t["network"])}: <strong>{escape(network)}</strong></li>
<li>{escape(t["upstream"])}: <strong>{state(upstream_used, bool(snapshot["upstream_connected"]))}</strong></li>
<li>{escape(t["http"])}: <strong>{state(http_used, http_used)}</strong></li>
<li>{escape(t["downstream"])}: <strong>{state(configured, bool(snapshot["downstream_connected"]))}</strong></li>
<li>{escape(t["ack"])}: <strong{ack_class}>{escape(t.get("ack_" + ack_mode, ack_mode))}</strong></li>
</ul>
{hint}<table>
{rows}
</table>
<p><a href="{base}/health">{escape(t["json"])}</a> · <a href="{base}/?lang={other}">{escape(t["other"])}</a></p>
<p><small>lorawan_bridge {escape(__version__)}</small></p>
</body>
</html>
"""
