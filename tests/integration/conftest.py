"""A real emulator for the integration tests, always stopped at the end."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tradeinfra.emulator.process import Emulator


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def running_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = Emulator(tmp_path_factory.mktemp("state"))
    try:
        emulator.start(free_port())
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def state_dir(running_emulator: Emulator) -> Path:
    return running_emulator.directory.parent
