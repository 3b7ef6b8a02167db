"""The QR code of the check-in address, as an SVG data URI for an <img> (the Content-Security-Policy allows data:
images, and an image can carry its own text alternative)."""

from __future__ import annotations

import segno


def qr_data_uri(url: str) -> str:
    """Medium error correction: still read when a projector blurs it or a head is in the way."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=1, border=4, dark="#0b0c0c", light="#ffffff")
