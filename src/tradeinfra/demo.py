"""`make demo`: the whole story on the embedded emulator, with the commands
a user would type.

Synthesize and gate; start the emulator; deploy dev and validate it;
promote to staging, show what promoting to prod would change there, promote
to prod (dev's web tier, done, is torn down meanwhile); deploy a release
that would halt trading to dev while prod is changed outside a deployment
and `drift` finds it; promote the release and watch staging roll back by
itself, then validate staging, show its shared history and check it for
drift; tear down the rest of dev (prod is refused without --confirm); write
reports/index.html; stop the emulator (always). Each chapter says how long
it took.

State lives in `.tradeinfra/demo/` and starts empty, so the demo can be run
again and never touches the state of your own deployments.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from tradeinfra.config.loader import load_platform
from tradeinfra.ops.targets import TargetKind, resolve_target

STATE_DIR = Path(".tradeinfra/demo")
REPORT = Path("reports/index.html")
DEFAULT_PORT = 4566
TRADEINFRA = str(Path(sys.executable).parent / "tradeinfra")


class DemoError(Exception):
    """A step ended other than the story says it should."""


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(STATE_DIR, ignore_errors=True)
    STATE_DIR.mkdir(parents=True)
    state = ["--state-dir", str(STATE_DIR)]
    try:
        chapter("1. One source of truth: validate, synthesize (cdk-nag), parity gate, access gate")
        tradeinfra("config", "validate")
        tradeinfra("config", "matrix", "--varying-only")
        tradeinfra("synth")
        tradeinfra("parity")
        tradeinfra("access")  # permissions, proven offline: the emulator enforces no IAM

        chapter("2. An AWS of our own: the embedded emulator")
        tradeinfra("emulator", "start", "--port", str(_port()), *state)

        chapter("3. Deploy dev (both apps), then validate it")
        tradeinfra("deploy", "--env", "dev", *state)
        tradeinfra("validate", "--env", "dev", *state)

        chapter("4. Promote: gates, deploy, validate; dev -> staging -> prod, seeing prod's plan first")
        tradeinfra("promote", "--from", "dev", "--to", "staging", *state)
        # Dev's web tier has done its part: torn down while prod is promoted (dev's
        # lock and workspace, dev's account: apart from prod's).
        teardown = alongside("destroy", "--env", "dev", "--app", "tf", *state)
        tradeinfra("plan", "--promote", "--from", "staging", "--to", "prod", "--format", "markdown", *state)
        tradeinfra("promote", "--from", "staging", "--to", "prod", *state)
        teardown.wait()

        chapter("5. A release that halts trading goes to dev while someone changes prod by hand; drift finds it")
        release = ["--app", "cdk", "--config-dir", str(release_that_halts_trading(STATE_DIR / "release-config"))]
        to_dev = alongside("deploy", "--env", "dev", *release, *state)  # dev's lock: apart from prod
        change_out_of_band("prod")
        tradeinfra("drift", "--env", "prod", *state, expect=2)
        to_dev.wait()

        chapter("6. The release's promotion fails validation; staging rolls back by itself")
        tradeinfra("promote", "--from", "dev", "--to", "staging", *release, *state, expect=3)
        tradeinfra("validate", "--env", "staging", "--app", "cdk", *state)
        tradeinfra("history", "--env", "staging", *state)  # from the ledger every machine shares
        tradeinfra("drift", "--env", "staging", *state)

        chapter("7. Tear the rest of dev down; prod is protected")
        tradeinfra("destroy", "--env", "prod", *state, expect=1)  # protected: refused without --confirm prod
        tradeinfra("destroy", "--env", "dev", "--app", "cdk", *state)
        tradeinfra("history", "--env", "dev", *state)

        chapter("8. The report")
        tradeinfra("report", "--output", str(REPORT), *state)
        chapter(None)
    except DemoError as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    finally:
        tradeinfra("emulator", "stop", *state, expect=None)
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s; open {REPORT}")
    return 0


_CHAPTER: dict[str, float | str] = {}


def chapter(title: str | None) -> None:
    """Start the next chapter (None: the end), saying how long the last one took."""
    now = time.monotonic()
    if _CHAPTER:
        print(f"\n   ({_CHAPTER['title']}: {now - float(_CHAPTER['started']):.0f} s)", flush=True)
    if title is None:
        _CHAPTER.clear()
        return
    _CHAPTER.update(title=title.split(":")[0], started=now)
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def tradeinfra(*args: str, expect: int | None = 0) -> None:
    """Run the CLI as a user would; `expect` is the exit code the story needs."""
    shown = _shown(args)
    print(f"\n\033[36m$ tradeinfra {shown}\033[0m", flush=True)
    code = subprocess.run([TRADEINFRA, *args], check=False).returncode
    if expect is not None and code != expect:
        raise DemoError(f"'tradeinfra {shown}' exited {code}, expected {expect}")


class Alongside:
    """A CLI run in the background; its output is shown when it is waited for."""

    def __init__(self, args: tuple[str, ...], expect: int) -> None:
        self.shown = _shown(args)
        self.expect = expect
        print(f"\n\033[36m$ tradeinfra {self.shown} &\033[0m  (output below when it finishes)", flush=True)
        self.process = subprocess.Popen(
            [TRADEINFRA, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def wait(self) -> None:
        output, _ = self.process.communicate()
        print(f"\n\033[36m$ tradeinfra {self.shown}\033[0m  (finished)\n{output.rstrip()}", flush=True)
        if self.process.returncode != self.expect:
            raise DemoError(f"'tradeinfra {self.shown}' exited {self.process.returncode}, expected {self.expect}")


def alongside(*args: str, expect: int = 0) -> Alongside:
    return Alongside(args, expect)


def _shown(args: tuple[str, ...]) -> str:
    """The command as a user would type it (the demo's own state dir left out)."""
    return " ".join(
        args[: args.index("--state-dir")] + args[args.index("--state-dir") + 2 :] if "--state-dir" in args else args
    )


def change_out_of_band(environment: str) -> None:
    """What an engineer might do in the console: more memory for the order
    processor, a larger web-tier Auto Scaling group."""
    platform = load_platform(Path("config"))
    env = platform.environment(environment)
    target = resolve_target(TargetKind.local, STATE_DIR)
    function = f"{environment}-trading-order-processor"
    group = f"asg-web-{environment}-{env.web_tier.environment_suffix}"
    print(f"\n  out of band: {function} memory {env.compute.memory_mb} -> 3008 MB", flush=True)
    target.client("lambda", env).update_function_configuration(FunctionName=function, MemorySize=3008)
    print(f"  out of band: {group} max size {env.web_tier.autoscaling.max_size} -> 12", flush=True)
    target.client("autoscaling", env).update_auto_scaling_group(AutoScalingGroupName=group, MaxSize=12)


def release_that_halts_trading(directory: Path, config_dir: Path = Path("config")) -> Path:
    """A copy of config/ whose one change turns the trading kill switch on in
    every environment: parity still holds, every gate passes, and only the
    post-deployment smoke order can tell."""
    shutil.copytree(config_dir, directory)
    platform_file = directory / "platform.yaml"
    text = platform_file.read_text(encoding="utf-8")
    switch = re.compile(r"^(  runtime:.*\n(?:    .*\n)*?    trading_enabled: )true", re.MULTILINE)
    changed, count = switch.subn(r"\1false", text)
    if count != 1:
        raise DemoError(f"{platform_file}: defaults.runtime.trading_enabled: true not found")
    platform_file.write_text(changed, encoding="utf-8")
    print(f"\n  the release: runtime.trading_enabled: false ({platform_file})", flush=True)
    return directory


def _port() -> int:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", DEFAULT_PORT))
            return DEFAULT_PORT
        except OSError:
            probe.bind(("127.0.0.1", 0))  # 4566 is taken: any free port
            return int(probe.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
