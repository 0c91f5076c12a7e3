"""The name of a care device, built from its pseudonymous codes only.

A care device is never named after what an installer typed or what the network server calls
it (its ``deviceName`` is often the resident's name): its name, and so its entity ids, are
"<unit> <room> <what it is>", for example "SOL-2 R12 Ytterdörr". The last word comes from
its role or its model's category, from a fixed list of Swedish words used in care.
"""

from __future__ import annotations

from typing import Final

from ..lorawan.codecs import MODELS
from ..lorawan.codecs.model import Category

_ROLE_WORDS: Final = {"bed": "Säng", "outer_door": "Ytterdörr", "room_presence": "Närvaro"}
_CATEGORY_WORDS: Final = {
    Category.BUTTON: "Larmknapp",
    Category.LEAK: "Vattenlarm",
    Category.DOOR: "Dörr",
    Category.PRESENCE: "Närvaro",
    Category.CLIMATE: "Klimat",
    Category.SOUND: "Ljud",
}
_DEFAULT_WORD: Final = "Sensor"


def care_device_name(care_unit: str, room: str, role: object, model: object) -> str:
    """"<unit> <room> <word>": codes and a fixed word, never personal data."""
    word = _ROLE_WORDS.get(str(role)) if role else None
    if word is None:
        info = MODELS.get(str(model))
        word = _CATEGORY_WORDS.get(info.category, _DEFAULT_WORD) if info else _DEFAULT_WORD
    return f"{care_unit} {room} {word}"
