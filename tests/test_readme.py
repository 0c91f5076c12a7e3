"""The README's device table and commands stay true to the code."""

from __future__ import annotations

from pathlib import Path

from custom_components.ange_iot.lorawan.codecs import MODELS
from scripts.device_table import device_table

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_device_table_is_current() -> None:
    assert device_table() in README
    for model_id in MODELS:
        assert f"`{model_id}`" in README


def test_readme_names_the_two_commands() -> None:
    assert "scripts/demo" in README
    assert "scripts/test" in README
