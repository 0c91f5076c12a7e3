"""Draw icon.png (128x128) and logo.png (250x100) for the add-on store.

Run with Pillow installed: ``python tools/make_images.py`` from the add-on folder.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parents[1]
BLUE = (0, 94, 160)
WHITE = (255, 255, 255)


def _mark(draw: ImageDraw.ImageDraw, cx: int, cy: int, scale: float) -> None:
    # Radio waves over a mast: LoRaWAN, the same in every language.
    for radius in (16, 30, 44):
        r = int(radius * scale)
        box = (cx - r, cy - r, cx + r, cy + r)
        draw.arc(box, 200, 340, fill=WHITE, width=max(2, int(6 * scale)))
    w = int(5 * scale)
    draw.rectangle((cx - w, cy, cx + w, cy + int(44 * scale)), fill=WHITE)
    draw.ellipse((cx - 2 * w, cy - 2 * w, cx + 2 * w, cy + 2 * w), fill=WHITE)


def icon() -> Image.Image:
    image = Image.new("RGBA", (128, 128), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 127, 127), radius=24, fill=BLUE)
    _mark(draw, 64, 62, 1.0)
    return image


def logo() -> Image.Image:
    image = Image.new("RGBA", (250, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 249, 99), radius=18, fill=BLUE)
    _mark(draw, 50, 46, 0.75)
    # Arrows from the mast to a store and on: store and forward.
    for x in (100, 150):
        draw.rounded_rectangle((x, 38, x + 30, 62), radius=5, outline=WHITE, width=4)
    for x0, x1 in ((82, 98), (132, 148), (182, 226)):
        draw.line((x0, 50, x1, 50), fill=WHITE, width=4)
    draw.polygon(((226, 42), (238, 50), (226, 58)), fill=WHITE)
    return image


if __name__ == "__main__":
    icon().save(HERE / "icon.png", optimize=True)
    logo().save(HERE / "logo.png", optimize=True)
    print("icon.png and logo.png written")
