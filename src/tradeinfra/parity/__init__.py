"""The cross-environment parity gate: environments may differ only where a
declared variation in config/platform.yaml says so."""
