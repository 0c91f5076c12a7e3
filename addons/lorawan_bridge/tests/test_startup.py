"""First start: the shipped defaults keep the add-on up, and a taken port is one clear line.

The bridge runs as ``python -m lorawan_bridge``, as the add-on's container starts it, with
the options the Supervisor writes from config.yaml's defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.request

import pytest
import yaml

from conftest import ADDON, SRC, free_port
from lorawan_bridge.status_page import render

NOT_CONFIGURED_EN = "not configured yet: set upstream_host or http_port"
NOT_CONFIGURED_SV = "inte inställd än: ange upstream_host eller http_port"


def shipped_defaults() -> dict[str, Any]:
    """options.json as the Supervisor writes it on first start: config.yaml's options."""
    config = yaml.safe_load((ADDON / "config.yaml").read_text(encoding="utf-8"))
    return json.loads(json.dumps(config["options"]))


def _command(options: dict[str, Any], directory: Path, ingress_port: int) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    options_file = directory / "options.json"
    options_file.write_text(json.dumps(options), encoding="utf-8")
    return [
        sys.executable,
        "-m",
        "lorawan_bridge",
        "--options",
        str(options_file),
        "--data",
        str(directory / "data"),
        "--ingress-port",
        str(ingress_port),
    ]


def _env() -> dict[str, str]:
    env = os.environ | {"PYTHONPATH": str(SRC)}
    env.pop("SUPERVISOR_TOKEN", None)
    return env


def _get(url: str, language: str | None = None) -> tuple[int, str]:
    headers = {"Accept-Language": language} if language else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
        return r.status, r.read().decode("utf-8")


def _wait_for_page(url: str, process: subprocess.Popen[str], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the bridge exited with {process.returncode}"
        try:
            _get(url)
        except OSError:
            time.sleep(0.05)
        else:
            return
    raise TimeoutError(url)


@pytest.fixture
def listening_socket() -> Iterator[int]:
    """A port another program already listens on."""
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_shipped_defaults_keep_the_addon_up_and_say_what_to_set(tmp_path: Path) -> None:
    options = shipped_defaults()
    assert not options["upstream_host"] and not options["http_port"]
    port = free_port()
    process = subprocess.Popen(
        _command(options, tmp_path, port),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_page(f"{base}/health", process)
        # Still up a moment later: no exit on the defaults (it was code 2 before).
        time.sleep(1.0)
        assert process.poll() is None
        status, english = _get(f"{base}/?lang=en")
        assert status == 200 and NOT_CONFIGURED_EN in english
        assert "Configuration tab" in english
        status, swedish = _get(f"{base}/", language="sv-SE,sv;q=0.9")
        assert status == 200 and NOT_CONFIGURED_SV in swedish
        status, health = _get(f"{base}/health")
        # The watchdog gets an answer, so the Supervisor does not restart the add-on.
        assert status == 200 and json.loads(health)["status"] == "degraded"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert NOT_CONFIGURED_EN in output
    assert "Traceback" not in output


def _exit_of(command: list[str]) -> tuple[int, list[str]]:
    done = subprocess.run(
        command, env=_env(), capture_output=True, text=True, timeout=30, check=False
    )
    return done.returncode, (done.stdout + done.stderr).splitlines()


def test_status_port_taken_is_one_line_and_exit_3(tmp_path: Path, listening_socket: int) -> None:
    code, lines = _exit_of(_command(shipped_defaults(), tmp_path, listening_socket))
    assert code == 3
    errors = [line for line in lines if "ERROR" in line]
    assert len(errors) == 1, lines
    assert f"port {listening_socket} (the ingress status page and /health)" in errors[0]
    assert "already in use" in errors[0]
    assert not any("Traceback" in line for line in lines)


def test_http_port_taken_is_one_line_and_exit_3(tmp_path: Path, listening_socket: int) -> None:
    options = shipped_defaults() | {"http_port": listening_socket, "http_secret": "s3cret"}
    code, lines = _exit_of(_command(options, tmp_path, free_port()))
    assert code == 3
    errors = [line for line in lines if "ERROR" in line]
    assert len(errors) == 1, lines
    assert f"port {listening_socket} (http_port, the HTTP receiver)" in errors[0]
    assert not any("Traceback" in line for line in lines)


def test_http_port_on_the_status_port_is_an_options_error(tmp_path: Path) -> None:
    port = free_port()
    options = shipped_defaults() | {"http_port": port, "http_secret": "s3cret"}
    code, lines = _exit_of(_command(options, tmp_path, port))
    assert code == 2
    assert next(line for line in lines if "ERROR" in line).endswith(
        f"http_port must differ from {port}, the status page's port"
    )


@pytest.mark.parametrize(("lang", "text"), [("en", NOT_CONFIGURED_EN), ("sv", NOT_CONFIGURED_SV)])
def test_status_page_notice_only_while_unconfigured(lang: str, text: str) -> None:
    snapshot: dict[str, int | float | bool | str] = {
        "ack_mode": "waiting",
        "awaiting_ack": 0,
        "received": 0,
        "forwarded": 0,
        "queued": 0,
        "oldest_queued_age_s": 0,
        "invalid": 0,
        "duplicates": 0,
        "dropped": 0,
        "downlinks_forwarded": 0,
        "downlinks_invalid": 0,
        "uptime_s": 1,
        "upstream_connected": False,
        "downstream_connected": False,
    }
    waiting = render(lang, "", "chirpstack", snapshot, upstream_used=False, http_used=False)
    assert text in waiting
    running = render(lang, "", "chirpstack", snapshot, upstream_used=True, http_used=False)
    assert text not in running
