"""moto adaptations, grouped by what needs them: each module's `apply()`
patches moto in the emulator's own process before it serves."""
