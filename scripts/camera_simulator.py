"""A simulated safety camera (trygghetskamera) for the demo: one JPEG still per request.

Serves ``/snapshot.jpg`` on the loopback interface behind HTTP basic auth, as a network
camera's still-image URL does. Each frame is drawn on request with Pillow: a resident's
room seen from the ceiling (bed, night table, door) and the current time, so a look in the
demo shows the image changing once a second. Nothing is stored.

Run by scripts/demo as ``python -m scripts.camera_simulator``.
"""

from __future__ import annotations

import argparse
import base64
from collections.abc import Sequence
from datetime import datetime
import io
import math
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web
from PIL import Image, ImageDraw, ImageFont

HOST: Final = "127.0.0.1"
PORT: Final = 8124
PATH: Final = "/snapshot.jpg"
# The demo camera's login. Not a secret: it only opens this local simulator.
USERNAME: Final = "kamera"
PASSWORD: Final = "ange-kamera-demo"
SIZE: Final = (640, 360)
# The demo's Home Assistant runs in Ånge's time zone; a camera shows local time, whatever
# the machine's own zone is.
TIME_ZONE: Final = ZoneInfo("Europe/Stockholm")


def frame(now: datetime, room: str = "R1") -> bytes:
    """One JPEG frame of a dim room at night, with the time drawn in."""
    image = Image.new("RGB", SIZE, (28, 32, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 300, 300), fill=(70, 78, 96), outline=(120, 130, 150), width=3)  # bed
    draw.rectangle((80, 80, 280, 130), fill=(150, 156, 170))  # pillow
    # The resident breathes: the blanket's edge rises and falls slowly.
    edge = 190 + int(6 * math.sin(now.timestamp() / 2))
    draw.rectangle((64, edge, 296, 296), fill=(96, 110, 140))
    draw.rectangle((330, 70, 400, 140), fill=(90, 70, 50))  # night table
    draw.rectangle((560, 40, 600, 200), outline=(140, 120, 90), width=3)  # door
    font = ImageFont.load_default(size=22)
    draw.text((16, 326), f"{room}  {now:%Y-%m-%d %H:%M:%S}", fill=(230, 230, 230), font=font)
    draw.text((520, 10), "DEMO", fill=(230, 80, 80), font=font)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def make_app(room: str = "R1") -> web.Application:
    """The camera's web app."""
    # RFC 7617: "Basic " and base64 of "user:password".
    expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode("ascii")

    async def snapshot(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != expected:
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="camera"'})
        return web.Response(
            body=frame(datetime.now(TIME_ZONE), room),
            content_type="image/jpeg",
            headers={"Cache-Control": "no-store"},
        )

    app = web.Application()
    app.router.add_get(PATH, snapshot)
    return app


def still_image_url(port: int = PORT) -> str:
    """The URL the camera subentry is given."""
    return f"http://{HOST}:{port}{PATH}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.camera_simulator", description=__doc__)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--room", default="R1")
    args = parser.parse_args(argv)
    print(f"Simulated safety camera: {still_image_url(args.port)} (user {USERNAME})", flush=True)
    web.run_app(make_app(args.room), host=HOST, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
