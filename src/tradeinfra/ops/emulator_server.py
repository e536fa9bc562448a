"""The process `tradeinfra emulator start` runs: moto in server mode on
127.0.0.1, set up for what the platform deploys.

- AWS managed IAM policies are loaded (the web tier attaches
  AmazonSSMManagedInstanceCore);
- every RDS instance gets its own DbiResourceId (moto 5.2.5 gives all the
  same one, which breaks a second database in another workspace).

Run as `python -m tradeinfra.ops.emulator_server --port N`; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import uuid
from typing import Any

HOST = "127.0.0.1"


def _unique_rds_resource_ids() -> None:
    from moto.rds import models

    original = models.DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + uuid.uuid4().hex[:26].upper()

    models.DBInstance.__init__ = init  # type: ignore[method-assign]


def serve(port: int) -> None:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    _unique_rds_resource_ids()
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
