"""Run every benchmark: `python -m bench [name ...]`."""

from __future__ import annotations

import sys

from bench import access_gate, cdk_synth, config_load, parity_gate, plan, tf_synth

BENCHMARKS = {
    "config-load": config_load.run,
    "cdk-synth": cdk_synth.run,
    "tf-synth": tf_synth.run,
    "parity": parity_gate.run,
    "access": access_gate.run,
    "plan": plan.run,
}


def main(argv: list[str]) -> int:
    selected = argv or list(BENCHMARKS)
    unknown = [name for name in selected if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}: expected one of {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 1
    for name in selected:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
