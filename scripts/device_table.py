"""Print the README's table of supported devices, generated from the codec registry.

Run `python -m scripts.device_table` after adding a model and paste the output into
README.md; tests/test_readme.py fails while the README lacks a model.
"""

from __future__ import annotations

from custom_components.ange_iot.lorawan.codecs import MODELS, ModelInfo
from custom_components.ange_iot.lorawan.quantities import INVALID_SUFFIX


def provides(info: ModelInfo) -> str:
    """What a model can be used for in Ånge's plan, from the readings it reports."""
    keys = info.keys
    uses: list[str] = []
    if "distance" in keys:
        uses += ["snow depth (mounting height)", "bin fill level (bin depth)"]
    if "external_temperature" in keys or info.category.value == "temperature_probe":
        uses.append("lake water temperature, bathing status")
    if "temperature" in keys and info.category.value == "climate":
        uses.append("kitchen cold chain")
    if "volume" in keys:
        uses.append("water billing, daily use, leak suspicion")
    if keys & {"meter_alarm_leak", "meter_alarm_burst", "meter_alarm_backflow", "meter_alarm_tamper", "meter_alarm_dry"}:
        uses.append("meter alarms")
    if keys & {"people_in", "people_total"}:
        uses.append("trail visitors")
    if "door_open" in keys:
        uses += ["night door (care)", "intrusion"]
    if "occupancy" in keys:
        uses += ["bed or room presence (care)", "intrusion"]
    if "water_leak" in keys:
        uses.append("water leak alarm (care)")
    if "button" in keys:
        uses.append("call button (care)")
    return "; ".join(dict.fromkeys(uses)) or "readings only"


def device_table() -> str:
    """The markdown table of every model with its readings and what it is used for."""
    lines = [
        "| Manufacturer | Model | Model id | Category | Readings | Provides |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for model_id, info in sorted(MODELS.items(), key=lambda item: item[1].title.lower()):
        readings = ", ".join(sorted(key for key in info.keys if not key.endswith(INVALID_SUFFIX)))
        lines.append(
            f"| {info.manufacturer} | {info.name} | `{model_id}` | {info.category.value} | {readings} | {provides(info)} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the table."""
    print(device_table())


if __name__ == "__main__":
    main()
