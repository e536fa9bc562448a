"""Errors a user can cause and fix. The CLI prints them as one clear message
and exits 1; anything else is a bug and is allowed to surface as one."""


class TradeinfraError(Exception):
    """Bad input or usage: the message names what and where, and what was expected."""


class CheckFailedError(TradeinfraError):
    """A check ran and found something (compliance findings, parity
    differences, failed validation, drift): exit code 2."""
