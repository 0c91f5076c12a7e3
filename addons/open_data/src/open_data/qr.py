"""Printable QR codes (SVG and PNG) that lead to a place's page."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, title: str) -> bytes:
    """An SVG QR code for ``url``, with a <title> for screen readers."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=10,
        border=4,
        title=title,
        xmldecl=True,
        svgclass=None,
        lineclass=None,
    )
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    """A PNG QR code for ``url``, large enough to print at 5 cm and scan from a metre."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=12, border=4)
    return buffer.getvalue()
