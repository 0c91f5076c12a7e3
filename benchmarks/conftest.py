"""Fixtures of the benchmark: custom integrations on, and the run's options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ange_iot benchmark")
    group.addoption("--bench-devices", type=int, default=2000, help="simulated devices per path")
    group.addoption("--bench-rounds", type=int, default=5, help="measured rounds per path")
    group.addoption("--bench-concurrency", type=int, default=16, help="webhook requests in flight")
    group.addoption(
        "--bench-latency-samples", type=int, default=500, help="uplinks timed one at a time"
    )
    group.addoption("--bench-results", type=Path, default=None, help="write results JSON here")
    group.addoption(
        "--bench-profile", type=Path, default=None, help="write cProfile stats of each phase here"
    )


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """The run's size, from the command line."""

    devices: int
    rounds: int
    concurrency: int
    latency_samples: int
    results: Path | None
    profile_dir: Path | None


@pytest.fixture
def bench_options(request: pytest.FixtureRequest) -> BenchOptions:
    config = request.config
    devices = config.getoption("--bench-devices")
    return BenchOptions(
        devices=devices,
        rounds=config.getoption("--bench-rounds"),
        concurrency=config.getoption("--bench-concurrency"),
        latency_samples=min(devices, config.getoption("--bench-latency-samples")),
        results=config.getoption("--bench-results"),
        profile_dir=config.getoption("--bench-profile"),
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ange_iot, as tests/conftest.py does."""
