"""The process `tradeinfra emulator start` runs: moto in server mode on
127.0.0.1, set up for what the platform deploys. AWS managed IAM policies
are loaded (the web tier attaches AmazonSSMManagedInstanceCore); the
adaptations in `adaptations/` make moto 5.2.5 behave as AWS does where the
platform depends on it (each module says what and why).

Run as `python -m tradeinfra.emulator.server --port N`; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

from tradeinfra.emulator.adaptations import acm, cloudformation, dynamodb, iam, teardown, terraform

HOST = "127.0.0.1"


def serve(port: int) -> None:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    for adaptations in (acm, cloudformation, dynamodb, iam, terraform, teardown):
        adaptations.apply()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    server.start()
    print(f"moto server listening on http://{HOST}:{port}", flush=True)
    stopped.wait()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
