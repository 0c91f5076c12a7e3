"""Print the README's table of supported devices, generated from the codec registry.

Run `python -m scripts.device_table` after adding a model and paste the output into
README.md; tests/test_readme.py fails while the README lacks a model.
"""

from __future__ import annotations

from custom_components.ange_iot.lorawan.codecs import MODELS


def device_table() -> str:
    """The markdown table of every model with its readings."""
    lines = [
        "| Manufacturer | Model | Model id | Category | Readings |",
        "| --- | --- | --- | --- | --- |",
    ]
    for model_id, info in sorted(MODELS.items(), key=lambda item: item[1].title.lower()):
        readings = ", ".join(sorted(info.keys))
        lines.append(
            f"| {info.manufacturer} | {info.name} | `{model_id}` | {info.category.value} | {readings} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the table."""
    print(device_table())


if __name__ == "__main__":
    main()
