"""What a parity rule is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import Finding, Severity


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    explanation: str
    check: Callable[[ParityContext], Iterator[Finding]]
