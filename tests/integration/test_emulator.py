"""`tradeinfra emulator start|stop|status`: a real moto server process on
127.0.0.1, always stopped at the end, even when a test fails."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.conftest import free_port
from tradeinfra.cli import main
from tradeinfra.emulator.process import Emulator, EmulatorError


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emulator = Emulator(tmp_path / ".tradeinfra")
    try:
        yield emulator
    finally:
        emulator.stop()


def test_start_waits_until_it_answers_and_stop_ends_it(emulator: Emulator) -> None:
    port = free_port()
    status = emulator.start(port)
    assert status.running and status.healthy and status.endpoint == f"http://127.0.0.1:{port}"
    sts = boto3.client(
        "sts", endpoint_url=status.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    assert sts.get_caller_identity()["Account"].isdigit()
    assert emulator.start(port).pid == status.pid  # already running: the same process
    assert emulator.stop() is True
    assert status.pid is not None and not Path(f"/proc/{status.pid}").exists()
    assert emulator.status(port).running is False
    assert emulator.stop() is False


def test_each_account_is_reached_through_assume_role(emulator: Emulator) -> None:
    status = emulator.start(free_port())
    sts = boto3.client(
        "sts", endpoint_url=status.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    credentials = sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/tradeinfra-local", RoleSessionName="test")[
        "Credentials"
    ]
    as_staging = boto3.client(
        "sts",
        endpoint_url=status.endpoint,
        region_name="us-east-2",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    assert as_staging.get_caller_identity()["Account"] == "222222222222"


def test_a_port_in_use_is_a_clear_error(emulator: Emulator) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EmulatorError, match=f"port {port} on 127.0.0.1 is in use by another process"):
            emulator.start(port)
    assert emulator.status(port).running is False


def test_stop_never_signals_a_process_that_is_not_the_emulator(emulator: Emulator) -> None:
    emulator.directory.mkdir(parents=True)
    emulator.pid_file.write_text(str(os.getpid()))  # a stale pid, now reused by another process
    assert emulator.status().running is False
    assert emulator.stop() is False  # and this test process is still alive to assert it


def test_cli_status_json_and_exit_codes(emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    state = str(tmp_path / ".tradeinfra")
    assert main(["emulator", "status", "--state-dir", state, "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["running"] is False
    port = free_port()
    assert main(["emulator", "start", "--port", str(port), "--state-dir", state]) == 0
    capsys.readouterr()
    assert main(["emulator", "status", "--state-dir", state, "--format", "json"]) == 0
    reported = json.loads(capsys.readouterr().out)
    assert reported["healthy"] is True and reported["endpoint"] == f"http://127.0.0.1:{port}"
    assert main(["emulator", "stop", "--state-dir", state]) == 0
    assert main(["emulator", "status", "--state-dir", state]) == 2


def test_the_suite_stops_the_emulator_even_when_a_test_fails(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The shared `running_emulator` fixture, in a session of its own whose
    only test fails: the emulator process is gone afterwards."""
    pid_file = tmp_path / "pid"
    pytester.makeconftest("from tests.integration.conftest import running_emulator  # noqa: F401\n")
    pytester.makepyfile(
        f"""
        from pathlib import Path

        def test_fails(running_emulator):
            Path({str(pid_file)!r}).write_text(str(running_emulator.status().pid))
            assert False, "a failing test"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_call_sent_again_after_its_answer_is_acted_on_once(emulator: Emulator) -> None:
    """As an SDK does when the connection fails after the emulator answered:
    the same call (one invocation id), attempt 2. One message, not two."""
    status = emulator.start(free_port())
    sqs = boto3.client(
        "sqs", endpoint_url=status.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    attempts = iter((1, 2))

    def as_one_call_sent_twice(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = "7e57ca11-0000-4000-8000-000000000001"
        request.headers["amz-sdk-request"] = f"attempt={next(attempts)}; max=3"

    sqs.meta.events.register("before-send.sqs.SendMessage", as_one_call_sent_twice)
    first = sqs.send_message(QueueUrl=queue, MessageBody="buy 100")["MessageId"]
    again = sqs.send_message(QueueUrl=queue, MessageBody="buy 100")["MessageId"]
    assert again == first
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "1"
    }
    assert "resent after moto answered it 200: AmazonSQS.SendMessage" in Path(status.log).read_text()
