"""Reusable pieces the stacks compose."""
