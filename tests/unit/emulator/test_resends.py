"""A call an SDK sends again after moto answered it with 2xx gets the same
answer, not a second effect; anything else reaches moto as before."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import pytest
from werkzeug.test import Client

from tradeinfra.emulator import resends
from tradeinfra.emulator.resends import AnswerOnce


class CountingApp:
    """Stands in for moto: every call it serves creates one more thing."""

    def __init__(self, status: str = "200 OK") -> None:
        self.status = status
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.bodies.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        start_response(self.status, [("Content-Type", "text/xml")])
        return [f"<created>{len(self.bodies)}</created>".encode()]


def _call(client: Client, attempt: int, call: str = "c0ffee", **kwargs: Any) -> Any:
    headers = {"amz-sdk-invocation-id": call, "amz-sdk-request": f"attempt={attempt}; max=25"}
    return client.post("/", headers=headers, **kwargs)


CREATE_ALB = {
    "data": "Action=CreateLoadBalancer&Name=alb-dev",
    "content_type": "application/x-www-form-urlencoded",
}


@pytest.fixture
def log() -> list[str]:
    return []


def test_a_second_attempt_after_a_2xx_gets_that_answer_and_moto_acts_once(log: list[str]) -> None:
    app = CountingApp()
    client = Client(AnswerOnce(app, log.append))
    first = _call(client, 1, **CREATE_ALB)
    again = _call(client, 2, **CREATE_ALB)
    assert (first.status_code, first.data) == (again.status_code, again.data) == (200, b"<created>1</created>")
    assert app.bodies == [b"Action=CreateLoadBalancer&Name=alb-dev"]
    assert log == [
        "resent after moto answered it 200: localhost CreateLoadBalancer (call c0ffee, attempt 2); the same answer again"
    ]


def test_a_second_attempt_after_an_error_is_served_again(log: list[str]) -> None:
    app = CountingApp("400 Bad Request")
    client = Client(AnswerOnce(app, log.append))
    _call(client, 1, **CREATE_ALB)
    assert _call(client, 2, **CREATE_ALB).data == b"<created>2</created>"
    assert len(app.bodies) == 2  # moto read the body the middleware peeked at
    assert app.bodies[1] == b"Action=CreateLoadBalancer&Name=alb-dev"
    assert log == ["resent: localhost CreateLoadBalancer (call c0ffee, attempt 2); answered 400, served as a new call"]


def test_calls_without_an_sdk_invocation_id_and_first_attempts_all_reach_moto(log: list[str]) -> None:
    app = CountingApp()
    client = Client(AnswerOnce(app, log.append))
    client.post("/", data="x")
    client.post("/", data="x")
    _call(client, 1, call="a")
    _call(client, 1, call="b")
    assert len(app.bodies) == 4
    assert log == []


def test_answers_beyond_the_byte_budget_are_forgotten_oldest_first(log: list[str]) -> None:
    app = CountingApp()
    answer_size = len(b"<created>1</created>")
    client = Client(AnswerOnce(app, log.append, kept_bytes=2 * answer_size))
    for call in ("a", "b", "c"):
        _call(client, 1, call=call)
    _call(client, 2, call="a")
    _call(client, 2, call="c")
    assert len(app.bodies) == 4  # "a" was forgotten and served again; "c" was answered from memory
    assert log[0].startswith("resent: POST localhost/ (call a, attempt 2); no answer kept")
    assert log[1].startswith("resent after moto answered it 200: POST localhost/ (call c, attempt 2)")


def test_a_json_protocol_call_is_named_by_its_target(log: list[str]) -> None:
    client = Client(AnswerOnce(CountingApp(), log.append))
    headers = {"X-Amz-Target": "DynamoDB_20120810.PutItem"}
    for attempt in (1, 2):
        client.post(
            "/",
            headers={**headers, "amz-sdk-invocation-id": "d", "amz-sdk-request": f"attempt={attempt}; max=3"},
        )
    assert "DynamoDB_20120810.PutItem (call d, attempt 2)" in log[0]


def test_an_attempt_arriving_while_moto_still_works_on_the_first_waits_for_its_answer(log: list[str]) -> None:
    entered, release = threading.Event(), threading.Event()

    class SlowApp(CountingApp):
        def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            entered.set()
            release.wait(10)
            return super().__call__(environ, start_response)

    app = SlowApp()
    middleware = AnswerOnce(app, log.append)
    first: list[Any] = []
    worker = threading.Thread(target=lambda: first.append(_call(Client(middleware), 1)))
    worker.start()
    assert entered.wait(10)
    threading.Timer(0.2, release.set).start()
    again = _call(Client(middleware), 2)
    worker.join(10)
    assert again.data == first[0].data == b"<created>1</created>"
    assert len(app.bodies) == 1


def test_an_answer_too_large_to_keep_is_served_again(log: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resends, "LARGEST_KEPT_ANSWER", 5)
    app = CountingApp()
    client = Client(AnswerOnce(app, log.append))
    _call(client, 1)
    _call(client, 2)
    assert len(app.bodies) == 2
    assert log == ["resent: POST localhost/ (call c0ffee, attempt 2); no answer kept, served as a new call"]
