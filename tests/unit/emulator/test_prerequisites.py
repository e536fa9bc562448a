"""A deployment waits for the part of its prerequisites it needs, no more:
the web tier starts once the state backend can hold its state, while the
backend's apply goes on; a failure in setting them up reaches the deployment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tradeinfra.emulator import prerequisites
from tradeinfra.emulator.prerequisites import Prerequisites


class Backend:
    """The state backend's apply, held open until the test lets it finish."""

    def __init__(self) -> None:
        self.usable = threading.Event()
        self.finished = threading.Event()
        self.failure: Exception | None = None

    def apply(self, *_: Any) -> None:
        self.usable.set()
        if not self.finished.wait(timeout=10):
            raise AssertionError("the test never let the apply finish")
        if self.failure:
            raise self.failure


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Backend:
    from tradeinfra.ops import terraform_deploy

    fake = Backend()
    monkeypatch.setattr(prerequisites, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(prerequisites, "ensure_hosted_zone", lambda *_: None)
    monkeypatch.setattr(prerequisites, "ensure_bootstrapped", lambda *_: None)
    monkeypatch.setattr(prerequisites, "state_backend_usable", lambda *_: fake.usable.is_set())
    monkeypatch.setattr(terraform_deploy, "ensure_state_backend", fake.apply)
    return fake


def _started(executor: ThreadPoolExecutor, apps: list[str]) -> Prerequisites:
    return Prerequisites(executor, Any, Any, Any, apps, Path(), None)  # type: ignore[arg-type]


def test_the_web_tier_starts_while_the_state_backend_apply_goes_on(backend: Backend) -> None:
    with ThreadPoolExecutor(max_workers=2) as executor:
        needs = _started(executor, ["cdk", "tf"])
        needs.needed_by_cdk()
        needs.needed_by_web_tier()
        assert not backend.finished.is_set()  # returned before the apply ended
        backend.finished.set()
        needs.finish()


def test_a_failed_state_backend_fails_the_deployment_that_joins_it(backend: Backend) -> None:
    backend.failure = RuntimeError("lifecycle rules rejected")
    with ThreadPoolExecutor(max_workers=2) as executor:
        needs = _started(executor, ["tf"])
        needs.needed_by_web_tier()
        backend.finished.set()
        with pytest.raises(RuntimeError, match="lifecycle rules rejected"):
            needs.finish()


def test_a_state_backend_that_never_becomes_usable_fails_the_web_tier(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prerequisites, "state_backend_usable", lambda *_: False)
    backend.failure = RuntimeError("bucket policy rejected")
    backend.finished.set()
    with ThreadPoolExecutor(max_workers=2) as executor:
        needs = _started(executor, ["tf"])
        with pytest.raises(RuntimeError, match="bucket policy rejected"):
            needs.needed_by_web_tier()
