"""The single source of truth: typed models, loader, naming and tags."""
