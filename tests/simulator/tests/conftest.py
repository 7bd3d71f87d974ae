# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Fixtures of the simulator tests: the collector script, a fleet builder, running simulators."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from winsim import BackgroundSimulator, FleetBuilder

from sim_helpers import COLLECTOR_PATH, FIXTURE_PROFILES, compact


def pytest_configure(config: pytest.Config) -> None:
    # Also registered in tests/simulator/pyproject.toml; repeated here for runs rooted elsewhere.
    config.addinivalue_line("markers", "slow: fleet-scale tests (200 hosts); deselect with -m 'not slow'")


@pytest.fixture(scope="session")
def collector_script() -> str:
    """The real collector (plugins/plugin_utils/_facts/collector.ps1), compacted."""
    return compact(COLLECTOR_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def builder() -> FleetBuilder:
    """A fleet builder on ephemeral ports of 127.0.0.1 with the fixture profiles."""
    return FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")


@pytest.fixture
def start_sim() -> Iterator[Callable[[FleetBuilder], BackgroundSimulator]]:
    """Start a simulator for a builder; stopped at the end of the test."""
    running: list[BackgroundSimulator] = []

    def start(fleet_builder: FleetBuilder) -> BackgroundSimulator:
        simulator = BackgroundSimulator(fleet_builder.build()).start()
        running.append(simulator)
        return simulator

    yield start
    for simulator in running:
        simulator.stop()
