"""Calls an AWS SDK sends again: answered once, and named in the log.

Every AWS SDK names each call it makes (`amz-sdk-invocation-id`, the same
for every attempt of that call) and counts its attempts (`amz-sdk-request:
attempt=N; max=M`). Under load, Terraform's AWS SDK sometimes resets the
connection just after the emulator's whole answer reached it, and sends the
call again some 100 ms later (seen in packet captures: the answer arrives,
the client sends RST with it unread, then attempt 2). Acting on the call
again turns one call into two effects: a second load balancer of the same
name, a state lock met by its own holder. So a later attempt of a call that
moto answered with 2xx gets that same answer, and the log says so; an
attempt that arrives while moto still works on the first waits for it.

Answers are kept for the most recent calls, within a byte budget; one larger
than `LARGEST_KEPT_ANSWER` (an object download, a template) is not kept, and
a later attempt of it, or of a call already forgotten, is served as a new
call (and logged as such). The emulator never throttles nor answers 5xx on
purpose, so an SDK has no other reason to send a call it was answered again.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

_ATTEMPT = re.compile(r"attempt=(\d+)")
KEPT_BYTES = 16 * 1024 * 1024
LARGEST_KEPT_ANSWER = 1024 * 1024
FIRST_ATTEMPT_WAIT_SECONDS = 300.0  # longer than any one moto call takes

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass
class _Answer:
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None  # None until moto answered, or when too large to keep
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def kept(self) -> int:
        return len(self.body or b"")

    @property
    def replayable(self) -> bool:
        return self.body is not None and self.status.startswith("2")


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
            if earlier is not None and earlier.done.wait(FIRST_ATTEMPT_WAIT_SECONDS) and earlier.replayable:
                self._log(f"resent after moto answered it {earlier.status[:3]}: {described}; the same answer again")
                start_response(earlier.status, earlier.headers)
                return [earlier.body or b""]
            state = "no answer kept" if earlier is None or earlier.body is None else f"answered {earlier.status[:3]}"
            self._log(f"resent: {described}; {state}, served as a new call")
        return self._answered(call, environ, start_response)

    def _answered(self, call: str, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        answer = _Answer()
        with self._lock:
            self._forget(self._answers.pop(call, None))
            self._answers[call] = answer

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.status, answer.headers = status, list(headers)
            return start_response(status, headers, exc_info)

        try:
            chunks = self._app(environ, recording_start_response)
            try:
                body = b"".join(chunks)  # moto builds every answer in memory
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            with self._lock:
                if len(body) <= LARGEST_KEPT_ANSWER and self._answers.get(call) is answer:
                    answer.body = body
                    self._size += answer.kept
                    while self._size > self._kept_bytes and len(self._answers) > 1:
                        self._forget(self._answers.popitem(last=False)[1])
            return [body]
        finally:
            answer.done.set()

    def _forget(self, answer: _Answer | None) -> None:
        if answer is not None:
            self._size -= answer.kept


def _attempt(environ: Environ) -> int:
    found = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    return int(found.group(1)) if found else 1


def _operation(environ: Environ) -> str:
    """`Service.Operation` for JSON protocols, the endpoint and `Action` for
    query protocols, else the method and path (REST protocols such as S3)."""
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
