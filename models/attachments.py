"""Files sent with messages.

The content decides what a file is, never its name: JPEG, PNG and HEIC photos are
opened and drawn again as new JPEG or PNG files, which leaves their metadata (location,
camera, time) behind; a PDF must look like one and carry no scripts. Files are kept in a
folder outside static/, under random names, and served only through the thread's own
access rule (views/messages.py).
"""
import io
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()
Image.MAX_IMAGE_PIXELS = 50_000_000  # a decompression bomb is refused, not opened

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
MAX_SIDE = 2560  # photos are made no larger than this: plenty for a phone screen


class Refused(Exception):
    """The file is not one we accept; the message says why (kind, size)."""

    def __init__(self, reason, filename):
        super().__init__(reason)
        self.reason = reason
        self.filename = filename


@dataclass
class Prepared:
    filename: str
    data: bytes
    mimetype: str
    width: int | None = None
    height: int | None = None


def _kind(head):
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim"):
        return "heic"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def safe_filename(name, extension):
    """A filename for Content-Disposition: letters, digits, spaces, a few signs."""
    stem = Path(name or "").stem
    stem = re.sub(r"[^\w\s.-]", "", stem, flags=re.UNICODE).strip(" .")[:80] or "file"
    return f"{stem}{extension}"


def prepare(name, data, max_bytes):
    """Check one uploaded file and return what will be stored, or raise Refused."""
    if len(data) > max_bytes:
        raise Refused("size", name)
    kind = _kind(data[:32])
    if kind == "pdf":
        if b"%%EOF" not in data[-2048:] or re.search(rb"/(JavaScript|JS|Launch)\b", data):
            raise Refused("kind", name)
        return Prepared(safe_filename(name, ".pdf"), data, PDF)
    if kind is None:
        raise Refused("kind", name)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the picture upright
            keep_alpha = kind == "png" and image.mode in ("RGBA", "LA", "P")
            image = image.convert("RGBA" if keep_alpha else "RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            clean = Image.new(image.mode, image.size)  # pixels only, no metadata
            clean.paste(image)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise Refused("kind", name) from None
    out = io.BytesIO()
    if kind == "png":
        clean.save(out, "PNG", optimize=True)
        mimetype, extension = PNG, ".png"
    else:  # JPEG and HEIC (which phones send) both become JPEG
        clean.save(out, "JPEG", quality=85, optimize=True)
        mimetype, extension = JPEG, ".jpg"
    return Prepared(safe_filename(name, extension), out.getvalue(), mimetype,
                    clean.width, clean.height)


THUMB_SIDE = 480  # a feed picture on a phone
PHOTO_SIDE = 2048


@dataclass
class Photo:
    """A photo for a post: the full picture and a phone-sized thumbnail, both drawn
    again from pixels only (no location, camera or time), both JPEG."""
    full: Prepared
    thumb: Prepared


def _jpeg(image, side, name):
    copy = image.copy()
    copy.thumbnail((side, side))
    clean = Image.new("RGB", copy.size)  # pixels only, no metadata
    clean.paste(copy)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return Prepared(safe_filename(name, ".jpg"), out.getvalue(), JPEG, clean.width,
                    clean.height)


def prepare_photo(name, data, max_bytes):
    """Check an uploaded photo (JPEG, PNG or HEIC by content) and return a Photo, or
    raise Refused."""
    if len(data) > max_bytes:
        raise Refused("size", name)
    if _kind(data[:32]) not in ("jpeg", "png", "heic"):
        raise Refused("kind", name)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
            return Photo(_jpeg(upright, PHOTO_SIDE, name), _jpeg(upright, THUMB_SIDE, name))
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise Refused("kind", name) from None


def store(directory, prepared):
    """Write the file under a new random name; returns the name."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(24)
    path = Path(directory) / name
    with open(path, "xb") as fh:
        fh.write(prepared.data)
    return name


def remove(directory, names):
    for name in names:
        try:
            os.unlink(Path(directory) / name)
        except FileNotFoundError:
            pass
