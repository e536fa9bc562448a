"""Errors a user can cause and fix. The CLI prints them as one clear message
and exits 1; anything else is a bug and is allowed to surface as one."""


class TradeinfraError(Exception):
    """Bad input or usage: the message names what and where, and what was expected."""
