"""Helpers behind the README's commands (scripts/demo, scripts/test)."""
