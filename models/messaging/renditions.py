"""Phone-sized copies of a message's photo (issue 23): a stored photo may be 2,560 pixels
wide, and a phone on a slow network should not fetch that to show it 360 pixels wide.

Each width is made from the stored photo (already cleaned and bounded by
attachments.prepare) the first time it is asked for, as WebP, and kept beside it under
the photo's own name and the width; it goes with the photo (attachments.remove).
"""
import io

from PIL import Image

# A thread shows a photo 12rem (192 CSS pixels) wide: 400 fits the common phone (2×, and
# Lighthouse's 1.75×) with a little to spare, 480 a 2.5× one, 960 the rest; the original
# opens on a tap.
WIDTHS = (400, 480, 960)
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


def made(storage, stored_name, width):
    """The rendition's name in the storage (models/storage.py), made now if it is not
    there yet. Two requests may make it at once: each writes it whole, the last stays."""
    if width not in WIDTHS:
        raise ValueError(f"no rendition {width} pixels wide")
    target = name_of(stored_name, width)
    if storage.exists(target):
        return target
    # A stored photo is a few megabytes at most (attachments.MAX_SIDE).
    with Image.open(io.BytesIO(storage.read(stored_name))) as image:
        image.draft("RGB", (width, width))  # a JPEG decodes at a fraction of its size
        image.load()
        keep_alpha = image.mode in ("RGBA", "LA", "P")
        copy = image.convert("RGBA" if keep_alpha else "RGB")
    copy.thumbnail(size_of(copy.width, copy.height, width), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=QUALITY, method=4)
    storage.put(target, out.getvalue())
    return target
