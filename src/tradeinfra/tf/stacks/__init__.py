"""The Terraform stacks: web-tier (per environment, by workspace) and state-backend (bootstrap)."""
