"""The reusable web-tier module: one construct per concern."""
