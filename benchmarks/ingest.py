"""Ingest benchmark of Ånge IoT: MQTT transport, webhook, and HA's MQTT sensors as the peer.

Usage (from the repository root):

    .venv/bin/python benchmarks/ingest.py [--devices 2000] [--rounds 5] [--concurrency 16]

The measurement runs as one pytest test (benchmarks/bench_ingest.py) so that it gets
pytest-homeassistant-custom-component's fixtures: the ``hass`` test instance, the custom
integration loader, ``mqtt_mock`` and ``hass_client_no_auth``. pytest's own output and
the progress lines go to stderr; the results table (Markdown, for the README) goes to
stdout. ``--profile DIR`` adds cProfile statistics of each phase (slower figures).

It is sized for a 2-core machine: HA's event loop uses one core, and the webhook's load
generator (benchmarks/webhook_load.py) runs as its own process on the other. The whole
run at the defaults takes about two minutes.
"""

from __future__ import annotations

import argparse
from importlib.metadata import version
import io
import json
import os
from pathlib import Path
import platform
import pstats
import subprocess
import sys
import tempfile
from typing import Any

REPO = Path(__file__).resolve().parent.parent

GOAL_MQTT_VS_PEER = 3.0
GOAL_MQTT_VS_FLOOR = 0.85
GOAL_WEBHOOK_VS_FLOOR = 0.9
GOAL_WEBHOOK_UPLINKS_PER_S = 2000.0
GOAL_STARTUP_S = 10.0
GOAL_STARTUP_DEVICES = 2000
# Other processes' CPU use in a timed round above which the figures are flagged.
BUSY_MACHINE_CORES = 0.25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=2000, help="devices per path (default 2000)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="measured rounds per path (default 5)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="webhook requests in flight (default 16)"
    )
    parser.add_argument(
        "--latency-samples", type=int, default=500, help="uplinks timed one at a time (default 500)"
    )
    parser.add_argument("--json", type=Path, help="also keep the raw results JSON here")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile each phase into DIR/*.pstats and print the top functions "
        "(profiling slows the run down: its figures are not the benchmark's)",
    )
    args = parser.parse_args()
    if args.devices < 1 or args.rounds < 1 or args.concurrency < 1 or args.latency_samples < 2:
        parser.error("--devices, --rounds and --concurrency must be >= 1, --latency-samples >= 2")
    return args


def run_benchmark(args: argparse.Namespace, results_path: Path) -> None:
    """Run bench_ingest.py under pytest in a fresh interpreter, its output on our stderr."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(REPO / "benchmarks" / "bench_ingest.py"),
        f"--rootdir={REPO}",
        "-c",
        str(REPO / "pyproject.toml"),
        "-q",
        "-s",  # progress lines stream to stderr as the run goes
        "-p",
        "no:cacheprovider",
        "-p",
        "no:sugar",
        # pytest's log capture would add its own handler to every log record.
        "-p",
        "no:logging",
        f"--bench-devices={args.devices}",
        f"--bench-rounds={args.rounds}",
        f"--bench-concurrency={args.concurrency}",
        f"--bench-latency-samples={args.latency_samples}",
        f"--bench-results={results_path}",
    ]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        command.append(f"--bench-profile={args.profile.resolve()}")
    completed = subprocess.run(command, cwd=REPO, stdout=sys.stderr, check=False)
    if completed.returncode != 0 or not results_path.exists():
        sys.exit(f"benchmark failed (pytest exit code {completed.returncode}); see stderr")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0))
    return (
        f"{cpu}, {cores} cores; Python {platform.python_version()}; "
        f"Home Assistant {version('homeassistant')}; "
        f"pytest-homeassistant-custom-component {version('pytest-homeassistant-custom-component')}; "
        f"aiohttp {version('aiohttp')}"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ms(value: float) -> str:
    return f"{value:.2f} ms"


def render(results: dict[str, Any], args: argparse.Namespace) -> str:
    n = results["devices"]
    mqtt, peer, webhook = results["mqtt"], results["peer"], results["webhook"]
    restart, harness = results["restart"], results["harness"]
    floor, mixed = results["floor"]["mqtt"], results["interleaved"]
    loaded, unloaded, in_loop = webhook["out_of_process"], webhook["unloaded"], webhook["in_loop"]
    c = webhook["concurrency"]
    ratio = mqtt["uplinks_per_s"] / peer["uplinks_per_s"]
    cpu_ratio = peer["ha_cpu_us_per_uplink"] / mqtt["ha_cpu_us_per_uplink"]
    # async_fire_mqtt_message's own cost (a paho MQTTMessage and a unittest Mock per
    # message) is in both MQTT figures; without it the ratio is:
    fire_s = harness["fire_mqtt_message_us"] / 1e6
    net_ratio = (1 / peer["uplinks_per_s"] - fire_s) / (1 / mqtt["uplinks_per_s"] - fire_s)
    startup_applies = n >= GOAL_STARTUP_DEVICES
    scale_note = "" if startup_applies else f" (for {GOAL_STARTUP_DEVICES:,} devices)"

    def startup_verdict(seconds: float) -> str:
        return verdict(seconds < GOAL_STARTUP_S) if startup_applies else "n/a"

    def spread(rates: list[float]) -> str:
        return f"{min(rates):,.0f}-{max(rates):,.0f}"

    lines = [
        f"### Ingest benchmark: {n:,} devices per path, 5 readings per uplink, "
        f"{results['rounds']} measured rounds",
        "",
        f"Machine: {machine()}",
        "",
        "| Path | Uplinks/s (median round) | All rounds | HA CPU per uplink | Latency mean | Latency p95 |",
        "|---|---:|---:|---:|---:|---:|",
        f"| ange_iot MQTT transport (own codec) | {mqtt['uplinks_per_s']:,.0f} "
        f"| {spread(mqtt['round_uplinks_per_s'])} | {mqtt['ha_cpu_us_per_uplink']:.0f} us "
        f"| {ms(mqtt['latency_mean_ms'])} | {ms(mqtt['latency_p95_ms'])} |",
        f"| ange_iot webhook over HTTP, {c} in flight (client in another process) "
        f"| {webhook['uplinks_per_s']:,.0f} | {spread(loaded['round_uplinks_per_s'])} "
        f"| {webhook['ha_cpu_us_per_uplink']:.0f} us "
        f"| {ms(loaded['latency_mean_ms'])} | {ms(loaded['latency_p95_ms'])} |",
        f"| ange_iot webhook over HTTP, 1 in flight | | | | {ms(unloaded['latency_mean_ms'])} "
        f"| {ms(unloaded['latency_p95_ms'])} |",
        f"| ange_iot webhook, {c} in flight from `hass_client_no_auth` in HA's own loop "
        f"| {in_loop['uplinks_per_s']:,.0f} | 1 round | | {ms(in_loop['latency_mean_ms'])} "
        f"| {ms(in_loop['latency_p95_ms'])} |",
        f"| Peer: HA MQTT sensors + `value_template`, 5 per device | {peer['uplinks_per_s']:,.0f} "
        f"| {spread(peer['round_uplinks_per_s'])} | {peer['ha_cpu_us_per_uplink']:.0f} us "
        f"| {ms(peer['latency_mean_ms'])} | {ms(peer['latency_p95_ms'])} |",
        f"| Floor: an MQTT callback writing the same 5 entities, values precomputed "
        f"| {floor['uplinks_per_s']:,.0f} | {spread(floor['round_uplinks_per_s'])} "
        f"| {floor['ha_cpu_us_per_uplink']:.0f} us | {ms(floor['latency_mean_ms'])} "
        f"| {ms(floor['latency_p95_ms'])} |",
        "",
        f"Interleaved rounds ({mixed['rounds']} each; a ratio is taken per pair of rounds run "
        "back to back, then the median of those ratios):",
        "",
        "| Path | Uplinks/s (median round) | All rounds | Process CPU per uplink (median) |",
        "|---|---:|---:|---:|",
        f"| ange_iot MQTT | {mixed['mqtt_uplinks_per_s']['ours']:,.0f} "
        f"| {spread(mixed['mqtt_round_uplinks_per_s']['ours'])} "
        f"| {mixed['mqtt_cpu_us_per_uplink']['ours']:.0f} us |",
        f"| Floor MQTT | {mixed['mqtt_uplinks_per_s']['floor']:,.0f} "
        f"| {spread(mixed['mqtt_round_uplinks_per_s']['floor'])} "
        f"| {mixed['mqtt_cpu_us_per_uplink']['floor']:.0f} us |",
        f"| Peer MQTT | {mixed['mqtt_uplinks_per_s']['peer']:,.0f} "
        f"| {spread(mixed['mqtt_round_uplinks_per_s']['peer'])} "
        f"| {mixed['mqtt_cpu_us_per_uplink']['peer']:.0f} us |",
        f"| ange_iot webhook, {c} in flight, client in HA's process "
        f"| {mixed['webhook_uplinks_per_s']['ours']:,.0f} "
        f"| {spread(mixed['webhook_round_uplinks_per_s']['ours'])} "
        f"| {mixed['webhook_cpu_us_per_uplink']['ours']:.0f} us |",
        f"| Floor webhook (reads the body, writes the 5 entities), same client "
        f"| {mixed['webhook_uplinks_per_s']['floor']:,.0f} "
        f"| {spread(mixed['webhook_round_uplinks_per_s']['floor'])} "
        f"| {mixed['webhook_cpu_us_per_uplink']['floor']:.0f} us |",
        "",
        "| Start-up and memory | Value |",
        "|---|---:|",
        f"| Start-up, {n:,} devices, empty entity registry | {mqtt['cold_start_s']:.2f} s |",
        f"| Restart, registry holds each device's 5 reading entities | {restart['setup_s']:.2f} s |",
        f"| First uplink of every device (creates {5 * n:,} entities) | {mqtt['first_uplinks_s']:.2f} s |",
        f"| Peer: loading {peer['sensors']:,} MQTT sensors (YAML reload) | {peer['setup_s']:.2f} s |",
        f"| RSS growth per 1,000 devices, ange_iot (set up + 1 uplink each) "
        f"| {mqtt['rss_per_1000_devices_mb']:.1f} MB |",
        f"| RSS growth per 1,000 devices, peer (set up + 1 uplink each) "
        f"| {peer['rss_per_1000_devices_mb']:.1f} MB |",
        "",
        "| Goal | Measured | Target | Result |",
        "|---|---:|---:|---|",
        f"| MQTT path vs peer (uplinks/s) | {ratio:.2f}x ({net_ratio:.2f}x without harness cost, "
        f"{cpu_ratio:.2f}x by HA CPU) | >= {GOAL_MQTT_VS_PEER:.0f}x "
        f"| {verdict(ratio >= GOAL_MQTT_VS_PEER)} |",
        f"| MQTT ours/floor (interleaved) | {mixed['mqtt_ours_vs_floor']:.2f} by uplinks/s, "
        f"{mixed['mqtt_ours_vs_floor_by_cpu']:.2f} by CPU "
        f"| >= {GOAL_MQTT_VS_FLOOR:.2f} | {verdict(mixed['mqtt_ours_vs_floor'] >= GOAL_MQTT_VS_FLOOR)} "
        f"(by CPU: {verdict(mixed['mqtt_ours_vs_floor_by_cpu'] >= GOAL_MQTT_VS_FLOOR)}) |",
        f"| MQTT ours/peer (interleaved) | {mixed['mqtt_ours_vs_peer']:.2f}x by uplinks/s, "
        f"{mixed['mqtt_ours_vs_peer_by_cpu']:.2f}x by CPU | | |",
        f"| Webhook ours/floor (interleaved, {c} in flight, same process) "
        f"| {mixed['webhook_ours_vs_floor']:.2f} by uplinks/s, "
        f"{mixed['webhook_ours_vs_floor_by_cpu']:.2f} by CPU | >= {GOAL_WEBHOOK_VS_FLOOR:.2f} "
        f"| {verdict(mixed['webhook_ours_vs_floor'] >= GOAL_WEBHOOK_VS_FLOOR)} "
        f"(by CPU: {verdict(mixed['webhook_ours_vs_floor_by_cpu'] >= GOAL_WEBHOOK_VS_FLOOR)}) |",
        f"| Webhook path | {webhook['uplinks_per_s']:,.0f} uplinks/s "
        f"| >= {GOAL_WEBHOOK_UPLINKS_PER_S:,.0f}/s "
        f"| {verdict(webhook['uplinks_per_s'] >= GOAL_WEBHOOK_UPLINKS_PER_S)} |",
        f"| Start-up, {n:,} devices, empty registry | {mqtt['cold_start_s']:.2f} s "
        f"| < {GOAL_STARTUP_S:.0f} s{scale_note} | {startup_verdict(mqtt['cold_start_s'])} |",
        f"| Start-up, {n:,} devices, after restart | {restart['setup_s']:.2f} s "
        f"| < {GOAL_STARTUP_S:.0f} s{scale_note} | {startup_verdict(restart['setup_s'])} |",
        "",
        "Method:",
        "- One HA test instance (pytest-homeassistant-custom-component `hass` fixture, asyncio "
        "debug mode off, log output at WARNING as in production), MQTT from `mqtt_mock` (HA's "
        "MQTT integration, paho mocked), HTTP from `hass_client_no_auth`'s server on 127.0.0.1 "
        f"(HA's app and middlewares). {results['state_changed_listeners']} state_changed "
        "listeners: no recorder, no frontend.",
        f"- Throughput: a round delivers one uplink per device ({n:,}) back to back and then awaits "
        f"`hass.async_block_till_done()`; one warm-up round, then {results['rounds']} timed rounds; "
        "the median round is reported. Every uplink changes all five values, so all states change. "
        "The entity and device registries' delayed saves after the entities were created are awaited before the timed rounds.",
        "- HA CPU per uplink: user+system CPU time of the HA process over the timed rounds / uplinks.",
        "- MQTT latency: uplinks delivered one at a time, each timed from `async_fire_mqtt_message` "
        f"until `async_block_till_done()` returns ({mqtt['latency_samples']} samples). The states "
        f"are written before the call returns (checked: ange_iot "
        f"{mqtt['states_written_synchronously']}, peer {peer['states_written_synchronously']}); "
        f"an idle `block_till_done` costs {harness['block_till_done_us']:.0f} us.",
        f"- Harness cost inside every MQTT figure: `async_fire_mqtt_message` itself takes "
        f"{harness['fire_mqtt_message_us']:.0f} us per message (timed on a topic nobody subscribes to).",
        f"- Webhook: `benchmarks/webhook_load.py` in its own process posts with aiohttp, {c} "
        "requests in flight, one round at a time; latency is its round trip (the handler writes "
        "the states before it answers). During the timed rounds HA used "
        f"{webhook['ha_cpu_share']:.0%} of a core, the load generator "
        f"{webhook['load_generator_cpu_share']:.0%}.",
        "- The webhook hub has its own devices: a DevEUI belongs to one hub (device identifier "
        "and entity unique_id are per DevEUI), so the same devices on a second hub would collide.",
        "- Start-up: `async_setup` of the hub config entry with its device subentries until "
        "`async_block_till_done()`, including the base-key entities. Restart: the same entry "
        "unloaded and set up again after the uplinks, so the registry and restore-state hold "
        "every reading entity.",
        "- RSS: VmRSS after `gc.collect()` and `malloc_trim`, before setting up the devices and "
        "after one uplink each (before the registry save: the harness keeps saved data in memory).",
        f"- Other processes on the machine used {results['whole_run']['other_cores']:.2f} cores on "
        f"average during the run (at most {mqtt['max_other_cores']:.2f} in an MQTT round, "
        f"{peer['max_other_cores']:.2f} in a peer round, {webhook['other_cores']:.2f} in the "
        "webhook rounds); the HA CPU figures depend on that far less than uplinks/s.",
    ]
    busiest = max(mqtt["max_other_cores"], peer["max_other_cores"], webhook["other_cores"])
    if busiest > BUSY_MACHINE_CORES:
        lines.append(
            f"- WARNING: other processes kept up to {busiest:.2f} cores busy during timed rounds; "
            "throughput on a 2-core machine suffers (see the spread of the rounds): rerun when idle."
        )
    if args.json:
        lines.append(f"- Raw results: {args.json}")
    return "\n".join(lines)


PROFILED_PHASES = {
    "mqtt_round*": "ange_iot MQTT transport, measured rounds",
    "webhook_rounds": "ange_iot webhook, measured rounds (HA process)",
    "peer_round*": "peer MQTT sensors, measured rounds",
    "floor_round*": "floor MQTT callback, measured rounds",
    "interleaved_ours_round*": "ange_iot MQTT, interleaved rounds",
    "interleaved_webhook_round*": "ange_iot webhook in-process, interleaved rounds",
    "mqtt_hub_cold_start": "start-up, empty registry",
    "mqtt_hub_restart": "restart, populated registry",
}


def render_profiles(directory: Path, top: int = 20) -> str:
    """The functions that cost most (own time), per phase, from the .pstats files."""
    out = [f"### Profiles (cProfile, {directory})"]
    for pattern, title in PROFILED_PHASES.items():
        files = sorted(directory.glob(f"{pattern}.pstats"))
        if not files:
            continue
        buffer = io.StringIO()
        stats = pstats.Stats(str(files[0]), stream=buffer)
        for extra in files[1:]:
            stats.add(str(extra))
        stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
        out += ["", f"#### {title}", "```", buffer.getvalue().strip(), "```"]
    return "\n".join(out)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results_path = Path(tmp) / "results.json"
        run_benchmark(args, results_path)
        results = json.loads(results_path.read_text(encoding="utf-8"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(render(results, args))
    if args.profile:
        print()
        print(render_profiles(args.profile))


if __name__ == "__main__":
    main()
