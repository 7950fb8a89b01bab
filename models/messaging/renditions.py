"""Phone-sized copies of a message's photo (issue 23): a stored photo may be 2,560 pixels
wide, and a phone on a slow network should not fetch that to show it 360 pixels wide.

Each width is made from the stored photo (already cleaned and bounded by
attachments.prepare) the first time it is asked for, as WebP, and kept beside it under
the photo's own name and the width; it goes with the photo (attachments.remove).
"""
import io
import os
import secrets
from pathlib import Path

from PIL import Image

WIDTHS = (480, 960)  # a phone at 1× and 2×; the original serves wider screens
QUALITY = 80


def name_of(stored_name, width):
    return f"{stored_name}.w{width}.webp"


def names_of(stored_name):
    """Every rendition a stored file may have (whether made yet or not)."""
    return [name_of(stored_name, width) for width in WIDTHS]


def size_of(width, height, wanted):
    """(width, height) of the rendition `wanted` pixels wide of a width × height photo:
    never larger than the photo itself."""
    if width <= wanted:
        return width, height
    return wanted, max(1, round(height * wanted / width))


def path(directory, stored_name, width):
    """The rendition's file, made now if it is not there yet."""
    if width not in WIDTHS:
        raise ValueError(f"no rendition {width} pixels wide")
    target = Path(directory) / name_of(stored_name, width)
    if target.exists():
        return target
    with Image.open(Path(directory) / stored_name) as image:
        image.draft("RGB", (width, width))  # a JPEG decodes at a fraction of its size
        image.load()
        keep_alpha = image.mode in ("RGBA", "LA", "P")
        copy = image.convert("RGBA" if keep_alpha else "RGB")
    copy.thumbnail(size_of(copy.width, copy.height, width), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=QUALITY, method=4)
    # Two requests may make it at once: each writes its own file, the last one stays.
    partial = target.with_name(f"{target.name}.{secrets.token_hex(6)}.part")
    partial.write_bytes(out.getvalue())
    os.replace(partial, target)
    return target
