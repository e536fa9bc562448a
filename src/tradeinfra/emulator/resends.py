"""Requests an AWS SDK sends again: seen, logged, and answered once.

Every AWS SDK names each call it makes (`amz-sdk-invocation-id`, the same
for every attempt of that call) and counts its attempts (`amz-sdk-request:
attempt=N; max=M`). The emulator never throttles and never answers 5xx on
purpose, so a second attempt of a call whose first the emulator answered
with 2xx means the client did not read that answer: the connection failed
after the emulator acted. Acting again would turn one call into two effects
(two load balancers of one name, a lock met by its own holder), which AWS
would not do for a call it answered once. So the answer already written is
sent again, and the emulator's log says so, naming the call.

Answers are kept for the most recent calls only, within a byte budget: an
attempt that comes after its answer was forgotten is served as a new call
(and logged as such).
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

_ATTEMPT = re.compile(r"attempt=(\d+)")
KEPT_BYTES = 16 * 1024 * 1024
LARGEST_KEPT_ANSWER = 1024 * 1024

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass
class _Answer:
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    written: bool = False  # the emulator wrote all of it to the connection
    size: int = 0
    kept: int = 0  # bytes counted against the budget

    @property
    def succeeded(self) -> bool:
        return self.status.startswith("2")


class AnswerOnce:
    """WSGI middleware in front of moto: see the module's docstring."""

    def __init__(self, app: WsgiApp, log: Callable[[str], None], kept_bytes: int = KEPT_BYTES) -> None:
        self._app = app
        self._log = log
        self._kept_bytes = kept_bytes
        self._answers: OrderedDict[str, _Answer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        call = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not call:
            return self._app(environ, start_response)
        attempt = _attempt(environ)
        if attempt > 1:
            with self._lock:
                earlier = self._answers.get(call)
            described = f"{_operation(environ)} (call {call}, attempt {attempt})"
            if earlier is not None and earlier.written and earlier.succeeded:
                self._log(f"resent after its {earlier.status[:3]} answer was written: {described}; answered again")
                start_response(earlier.status, earlier.headers)
                return list(earlier.chunks)
            state = "no answer kept" if earlier is None else f"earlier answer {earlier.status[:3] or 'unfinished'}"
            self._log(f"resent: {described}; {state}, served as a new call")
        answer = _Answer()
        with self._lock:
            self._keep(call, answer)

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.status, answer.headers = status, list(headers)
            return start_response(status, headers, exc_info)

        return self._recorded(call, answer, self._app(environ, recording_start_response))

    def _recorded(self, call: str, answer: _Answer, chunks: Iterable[bytes]) -> Iterator[bytes]:
        try:
            for chunk in chunks:
                answer.size += len(chunk)
                if answer.size <= LARGEST_KEPT_ANSWER:
                    answer.chunks.append(chunk)
                yield chunk  # returns once the server wrote it
            answer.written = answer.size <= LARGEST_KEPT_ANSWER
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            with self._lock:
                if self._answers.get(call) is answer:
                    answer.kept = sum(len(c) for c in answer.chunks)
                    self._size += answer.kept
                    self._forget_oldest()

    def _keep(self, call: str, answer: _Answer) -> None:
        previous = self._answers.pop(call, None)
        if previous is not None:
            self._size -= previous.kept
        self._answers[call] = answer

    def _forget_oldest(self) -> None:
        while self._size > self._kept_bytes and len(self._answers) > 1:
            _, oldest = self._answers.popitem(last=False)
            self._size -= oldest.kept


def _attempt(environ: Environ) -> int:
    found = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    return int(found.group(1)) if found else 1


def _operation(environ: Environ) -> str:
    """`Service.Operation` for JSON protocols, `Action` for query protocols,
    else the method and path (REST protocols such as S3)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target)
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads it after us
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return f"{environ.get('HTTP_HOST', '')} {action[0]}"
    return f"{environ.get('REQUEST_METHOD', '')} {environ.get('HTTP_HOST', '')}{environ.get('PATH_INFO', '')}"
