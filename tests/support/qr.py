"""Read QR codes back as a phone would: zxing-cpp decoding an image (a PDF's embedded picture, or a browser's
screenshot of the page), so a test checks what the code says rather than how it was drawn."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def decode_qr(image: bytes | Image.Image) -> str:
    """The text of the one QR code in `image` (PNG or other bytes PIL reads, or a PIL image).

    A code stored at one pixel per module is enlarged first: decoders want a few pixels a module.
    """
    picture = image if isinstance(image, Image.Image) else Image.open(io.BytesIO(image))
    picture = picture.convert("L")
    if picture.width < 200:
        picture = picture.resize((picture.width * 8, picture.height * 8), Image.NEAREST)
    found = [result for result in zxingcpp.read_barcodes(picture) if result.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return found[0].text
