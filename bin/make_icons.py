"""Draw the app icons in static/icons from the favicon's design (static/icons/favicon.svg).

Run once when the design changes, with Pillow installed for the occasion; the PNGs are
committed, so Pillow is no dependency of the app:

    pip install --target /tmp/pillow pillow
    PYTHONPATH=/tmp/pillow .venv/bin/python bin/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
INK = (0x1B, 0x1B, 0x1F, 255)
CARD = (0xFE, 0xF9, 0xC3, 255)
FREE = (0x8D, 0x8D, 0x8F, 255)  # the favicon's white at 50% over the ink


def draw(size: int, *, maskable: bool) -> Image.Image:
    """The favicon's 32-unit grid at `size` pixels. A maskable icon fills its square and
    keeps the cards inside the middle 80% (the safe zone a launcher's mask never cuts)."""
    scale = 4  # drawn large, then scaled down: smooth edges without an SVG renderer
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=INK)
        unit, offset = big * 0.7 / 32, big * 0.15
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 6 / 32, fill=INK)
        unit, offset = big / 32, 0
    for x, y, colour in ((6, 7, CARD), (17, 7, FREE), (6, 17, FREE), (17, 17, CARD)):
        left, top = offset + x * unit, offset + y * unit
        pen.rectangle((left, top, left + 9 * unit, top + 8 * unit), fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        draw(size, maskable=maskable).save(ICONS / name, optimize=True)
