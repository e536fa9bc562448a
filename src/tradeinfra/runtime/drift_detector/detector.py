"""Start drift detection on each stack, wait for it within a bound, and
summarize. Talks to CloudFormation through the client it is given."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

ACTIVE_STATUSES = [
    "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
]  # fmt: skip
THROTTLING = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}


@dataclass(frozen=True)
class StackDrift:
    stack_name: str
    status: str  # IN_SYNC, DRIFTED, DETECTION_FAILED, TIMED_OUT
    drifted_resources: int
    reason: str = ""

    @property
    def drifted(self) -> bool:
        return self.status == "DRIFTED"


@dataclass(frozen=True)
class Settings:
    poll_seconds: float = 5.0
    max_wait_seconds: float = 240.0  # the function's timeout leaves room for metrics after this
    max_retries: int = 5


class DriftDetector:
    def __init__(
        self,
        cloudformation: Any,
        settings: Settings = Settings(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cfn = cloudformation
        self._settings = settings
        self._sleep = sleep
        self._clock = clock

    def stacks(self, prefix: str) -> list[str]:
        """Names of the active stacks whose name starts with `prefix`."""
        names: list[str] = []
        for page in self._pages("list_stacks", StackStatusFilter=ACTIVE_STATUSES):
            names.extend(s["StackName"] for s in page["StackSummaries"] if s["StackName"].startswith(prefix))
        return sorted(names)

    def detect(self, stack_names: list[str]) -> list[StackDrift]:
        """Start detection on every stack first (they run in parallel), then collect."""
        started = {
            name: self._call("detect_stack_drift", StackName=name)["StackDriftDetectionId"] for name in stack_names
        }
        deadline = self._clock() + self._settings.max_wait_seconds
        return [self._wait(name, detection_id, deadline) for name, detection_id in started.items()]

    def _wait(self, name: str, detection_id: str, deadline: float) -> StackDrift:
        while True:
            status = self._call("describe_stack_drift_detection_status", StackDriftDetectionId=detection_id)
            state = status["DetectionStatus"]
            if state == "DETECTION_COMPLETE":
                return StackDrift(name, status["StackDriftStatus"], int(status.get("DriftedStackResourceCount", 0)))
            if state == "DETECTION_FAILED":
                return StackDrift(
                    name,
                    "DETECTION_FAILED",
                    int(status.get("DriftedStackResourceCount", 0)),
                    status.get("DetectionStatusReason", ""),
                )
            if self._clock() >= deadline:
                return StackDrift(name, "TIMED_OUT", 0, f"detection {detection_id} still running")
            self._sleep(self._settings.poll_seconds)

    def _pages(self, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = self._call(operation, **kwargs, **({"NextToken": token} if token else {}))
            yield page
            token = page.get("NextToken")
            if not token:
                return

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """Call with exponential backoff on throttling, a bounded number of times."""
        for attempt in range(self._settings.max_retries + 1):
            try:
                result: dict[str, Any] = getattr(self._cfn, operation)(**kwargs)
                return result
            except ClientError as exc:
                if exc.response["Error"]["Code"] not in THROTTLING or attempt == self._settings.max_retries:
                    raise
                self._sleep(min(2**attempt, 20))
        raise AssertionError("unreachable")
