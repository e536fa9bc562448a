"""Config load time: the full load (parse, merge, validate three environments,
variations rule) against only parsing the same four YAML files."""

from __future__ import annotations

from pathlib import Path

from bench.timing import best_of, report
from tradeinfra.config.loader import load_platform
from tradeinfra.config.yaml_source import read_yaml

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


def run(repeat: int = 20) -> None:
    files = [CONFIG_DIR / "platform.yaml", *sorted((CONFIG_DIR / "environments").glob("*.yaml"))]
    parse = best_of(repeat, lambda: [read_yaml(path) for path in files])
    load = best_of(repeat, lambda: load_platform(CONFIG_DIR))
    report("config load (3 environments)", load, parse, "YAML parse only")
