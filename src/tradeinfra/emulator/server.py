"""The process `tradeinfra emulator start` runs: moto in server mode on
127.0.0.1, set up for what the platform deploys. AWS managed IAM policies
are loaded (the web tier attaches AmazonSSMManagedInstanceCore); the
adaptations in `adaptations/` make moto 5.2.5 behave as AWS does where the
platform depends on it (each module says what and why), and a call an SDK
sends again after it was answered is answered once (`resends.py`).

Run as `python -m tradeinfra.emulator.server --port N`; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

from tradeinfra.emulator.adaptations import acm, cloudformation, dynamodb, iam, teardown, terraform
from tradeinfra.emulator.resends import AnswerOnce

HOST = "127.0.0.1"


def serve(port: int) -> None:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    for adaptations in (acm, cloudformation, dynamodb, iam, terraform, teardown):
        adaptations.apply()
    # As moto's ThreadedMotoServer, with the resent-call middleware in front.
    app = AnswerOnce(DomainDispatcherApplication(create_backend_app), log=lambda line: print(line, flush=True))
    server = make_server(HOST, port, app, threaded=True, request_handler=MotoRequestHandler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    serving.start()
    print(f"moto server listening on http://{HOST}:{port}", flush=True)
    stopped.wait()
    server.shutdown()
    serving.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
