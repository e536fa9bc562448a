"""tradeinfra: one typed source of truth for every environment of the trading platform."""

__version__ = "0.1.0"
