"""Files sent with messages.

The content decides what a file is, never its name: JPEG, PNG and HEIC photos are
opened and drawn again as new JPEG or PNG files, which leaves their metadata (location,
camera, time) behind; a PDF is parsed (pypdf) and refused if anything in it can run,
open, fetch or carry another file. Files are kept in the app's storage
(models/storage.py: a folder outside static/, or a private object store), under random
names, and served only through the thread's own access rule (views/messages.py).

Hostile files are refused before they cost much: a picture's size is read from its
header and one over `max_pixels` (the IMAGE_MAX_PIXELS setting) is never decoded, and
PDF parsing is bounded in objects, nesting and decompressed bytes.
"""
import datetime
import io
import re
import secrets
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
import pypdf
from pypdf import generic as pdf
from PIL import Image, ImageOps

from models.db import clock
from models.messaging import renditions

pillow_heif.register_heif_opener()
# Pillow's own ceiling, above any sensible IMAGE_MAX_PIXELS: it warns past this and
# refuses past twice this; _opened() turns the warning into a refusal as well.
Image.MAX_IMAGE_PIXELS = 100_000_000

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
MAX_SIDE = 2560  # photos are made no larger than this: plenty for a phone screen
# The default of IMAGE_MAX_PIXELS: a phone's usual photo is 12 MP, its full-resolution
# mode 48 MP (iPhone HEIC, 8064 x 6048) or 50 MP (Samsung, 8160 x 6120). Decoding one at
# this limit takes about 1 s and 350 MB (a PNG with transparency 500 MB); 200 MP modes
# and bombs are refused from their header.
IMAGE_MAX_PIXELS = 50_000_000
DECODERS = {"jpeg": ["JPEG"], "png": ["PNG"], "heic": ["HEIF"]}  # nothing else is tried

# Names that make a PDF act: run JavaScript, launch a program, open a link or another
# file, submit or import form data, play media, or carry files or an XFA form inside.
PDF_ACTIVE = frozenset({
    "/JS", "/JavaScript", "/AA", "/Launch", "/URI", "/GoToR", "/GoToE", "/SubmitForm",
    "/ImportData", "/Rendition", "/RichMedia", "/RichMediaExecute", "/EmbeddedFiles",
    "/EmbeddedFile", "/EF", "/FileAttachment", "/XFA"})
PDF_MAX_OBJECTS = 50_000      # a long report has a few thousand
PDF_MAX_DEPTH = 32            # arrays and dictionaries inside each other
PDF_MAX_ELEMENTS = 1_000_000  # values looked at in all
PDF_MAX_INFLATED = 20_000_000  # bytes one compressed object stream may become


class Refused(Exception):
    """The file is not one we accept; the reason says why: "kind", "size", "pixels"
    (a picture larger than the limit), "pdf" (a PDF that can act, or is encrypted), and
    for videos "length" and "resolution"."""

    def __init__(self, reason, filename):
        super().__init__(reason)
        self.reason = reason
        self.filename = filename


@dataclass
class CleanFile:
    """An upload made safe to keep (a PDF checked, a picture drawn again from its pixels,
    a video re-encoded), with the name, type and size it is stored under."""
    filename: str
    data: bytes
    mimetype: str
    width: int | None = None
    height: int | None = None

    @property
    def size(self):
        return len(self.data)


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


@contextmanager
def _opened(name, data, kind, max_pixels, side):
    """The picture, its size checked from the header before any pixel is decoded, then
    decoded no larger than needed for `side` (a JPEG decodes at 1/2 to 1/8 scale)."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its limit; a bomb is refused, not opened.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=DECODERS[kind])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Refused("pixels", name) from None
    except (OSError, ValueError, SyntaxError):
        raise Refused("kind", name) from None
    with image:
        if image.width * image.height > max_pixels:
            raise Refused("pixels", name)
        image.draft(None, (side, side))
        try:
            yield image
        except (OSError, ValueError, SyntaxError):  # a picture broken past its header
            raise Refused("kind", name) from None


def _shrunk(image, mode, side):
    """The picture in `mode`, at most `side` pixels wide and high, turned upright; made
    small before it is turned, so that no second full-size copy is held."""
    image = image if image.mode == mode else image.convert(mode)
    image.thumbnail((side, side))
    ImageOps.exif_transpose(image, in_place=True)  # keep the picture upright
    return image


def prepare(name, data, max_bytes, max_pixels=IMAGE_MAX_PIXELS):
    """Check one uploaded file and return what will be stored, or raise Refused."""
    if len(data) > max_bytes:
        raise Refused("size", name)
    kind = _kind(data[:32])
    if kind == "pdf":
        check_pdf(name, data)
        return CleanFile(safe_filename(name, ".pdf"), data, PDF)
    if kind is None:
        raise Refused("kind", name)
    with _opened(name, data, kind, max_pixels, MAX_SIDE) as image:
        keep_alpha = kind == "png" and image.mode in ("RGBA", "LA", "P")
        image = _shrunk(image, "RGBA" if keep_alpha else "RGB", MAX_SIDE)
        clean = Image.new(image.mode, image.size)  # pixels only, no metadata
        clean.paste(image)
    out = io.BytesIO()
    if kind == "png":
        clean.save(out, "PNG", optimize=True)
        mimetype, extension = PNG, ".png"
    else:  # JPEG and HEIC (which phones send) both become JPEG
        clean.save(out, "JPEG", quality=85, optimize=True)
        mimetype, extension = JPEG, ".jpg"
    return CleanFile(safe_filename(name, extension), out.getvalue(), mimetype,
                    clean.width, clean.height)


def check_pdf(name, data):
    """Refuse a PDF that does not parse ("kind"), or that is encrypted or holds any of
    PDF_ACTIVE in any of its objects, those in object streams included ("pdf"); the
    parser decodes names, so `/J#61vaScript` is `/JavaScript`."""
    if b"%%EOF" not in data[-2048:]:
        raise Refused("kind", name)
    try:
        with pypdf.apply_configuration(zlib_maximum_output_length=PDF_MAX_INFLATED,
                                       stream_decoding_work_maximum_length=PDF_MAX_INFLATED):
            reader = pypdf.PdfReader(io.BytesIO(data),
                                     xref_stream_maximum_entries=PDF_MAX_OBJECTS,
                                     root_object_recovery_limit=PDF_MAX_OBJECTS)
            if reader.is_encrypted:
                raise Refused("pdf", name)
            numbers = [(n, g) for g, table in reader.xref.items() for n in table]
            numbers += [(n, 0) for n in reader.xref_objStm]
            if len(numbers) > PDF_MAX_OBJECTS:
                raise Refused("kind", name)
            budget = [PDF_MAX_ELEMENTS]
            objects = [reader.trailer] + [
                reader.get_object(pdf.IndirectObject(n, g, reader)) for n, g in numbers]
    except Refused:
        raise
    except Exception:  # hostile input breaks a parser in many ways: each is a refusal
        raise Refused("kind", name) from None
    for found in objects:
        verdict = _inert(found, budget)
        if verdict is not True:
            raise Refused(verdict, name)


def _inert(found, budget):
    """True when one object holds no active name, looked at without following references
    (every object is looked at on its own); else the reason to refuse. `budget` is how
    many values may still be looked at."""
    stack = [(found, 0)]
    while stack:
        value, depth = stack.pop()
        budget[0] -= 1
        if budget[0] < 0 or depth > PDF_MAX_DEPTH:
            return "kind"
        if isinstance(value, pdf.NameObject) and value in PDF_ACTIVE:
            return "pdf"
        if isinstance(value, pdf.DictionaryObject):  # streams too: their dictionary
            for key, item in value.items():
                if key in PDF_ACTIVE:
                    return "pdf"
                stack.append((item, depth + 1))
        elif isinstance(value, pdf.ArrayObject):
            stack.extend((item, depth + 1) for item in value)
    return True


THUMB_SIDE = 480  # a feed picture on a phone
PHOTO_SIDE = 2048


@dataclass
class Photo:
    """A photo for a post: the full picture and a phone-sized thumbnail, both drawn
    again from pixels only (no location, camera or time), both JPEG."""
    full: CleanFile
    thumb: CleanFile


def _jpeg(image, side, name):
    copy = image.copy()
    copy.thumbnail((side, side))
    clean = Image.new("RGB", copy.size)  # pixels only, no metadata
    clean.paste(copy)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return CleanFile(safe_filename(name, ".jpg"), out.getvalue(), JPEG, clean.width,
                    clean.height)


def prepare_photo(name, data, max_bytes, max_pixels=IMAGE_MAX_PIXELS):
    """Check an uploaded photo (JPEG, PNG or HEIC by content) and return a Photo, or
    raise Refused."""
    if len(data) > max_bytes:
        raise Refused("size", name)
    kind = _kind(data[:32])
    if kind not in DECODERS:
        raise Refused("kind", name)
    with _opened(name, data, kind, max_pixels, PHOTO_SIDE) as image:
        upright = _shrunk(image, "RGB", PHOTO_SIDE)
        return Photo(_jpeg(upright, PHOTO_SIDE, name), _jpeg(upright, THUMB_SIDE, name))


def store(storage, prepared):
    """Write the file under a new random name (models/storage.py); returns the name."""
    name = secrets.token_urlsafe(24)
    storage.put(name, prepared.data)
    return name


def remove(storage, names):
    """Delete the stored files, and any phone-sized copies of them (renditions.py)."""
    for name in names:
        for each in (name, *renditions.names_of(name)):
            storage.delete(each)


# Files kept while their form comes back to be confirmed or corrected ------------------

KEPT_DIR = "kept"
KEPT_LIFETIME = datetime.timedelta(hours=12)  # a form left open longer chooses again
KEPT_PER_USER = 20  # a form sent back many times over must not fill the disk
_KEPT_NAME = re.compile(r"([0-9]{1,12})-([0-9]{1,18})-[A-Za-z0-9_-]{32}")


@dataclass
class KeptFile:
    """A checked upload kept on the server while its form comes back (a warning to
    confirm, a field to correct), so that "Send anyway" sends it; named by when it was
    kept, by the app's clock."""
    filename: str
    kept_name: str
    mimetype: str
    size: int
    width: int | None = None
    height: int | None = None



def _kept_at(seconds):
    return datetime.datetime.fromtimestamp(int(seconds), datetime.timezone.utc)


def _expired(found, now):
    """Is a kept file older than KEPT_LIFETIME, by the time in its name (the app's clock
    when it was kept, which file times are not), or not named by keep() at all? `found`:
    _KEPT_NAME's match of the name."""
    return found is None or now - _kept_at(found.group(1)) > KEPT_LIFETIME


def _kept(name):
    return f"{KEPT_DIR}/{name}"


def keep(storage, prepared, user_id):
    """Keep a checked file (a CleanFile) of a user for the form's next round. Files kept
    longer ago than KEPT_LIFETIME are removed on the way (nothing refers to them), and
    the user's oldest beyond KEPT_PER_USER."""
    now = clock.now()
    theirs = []
    for old in storage.names(f"{KEPT_DIR}/"):
        found = _KEPT_NAME.fullmatch(old[len(KEPT_DIR) + 1:])
        if _expired(found, now):
            storage.delete(old)
        elif int(found.group(2)) == user_id:
            theirs.append((int(found.group(1)), old))
    for _, old in sorted(theirs)[:-(KEPT_PER_USER - 1) or None]:
        storage.delete(old)
    name = f"{int(now.timestamp())}-{user_id}-{secrets.token_urlsafe(24)}"
    storage.put(_kept(name), prepared.data)
    return KeptFile(prepared.filename, name, prepared.mimetype, prepared.size,
                    prepared.width, prepared.height)


def expired_kept(storage):
    """The names (in kept/) of the kept files older than KEPT_LIFETIME: no form can send
    them any more (kept_is_usable)."""
    now = clock.now()
    names = (name[len(KEPT_DIR) + 1:] for name in storage.names(f"{KEPT_DIR}/"))
    return sorted(name for name in names if _expired(_KEPT_NAME.fullmatch(name), now))


def purge_kept(storage):
    """Remove the kept files older than KEPT_LIFETIME (`flask purge`): keep() removes
    them only when someone keeps another file. Returns how many."""
    names = expired_kept(storage)
    for name in names:
        storage.delete(_kept(name))
    return len(names)


def kept_is_usable(storage, kept, user_id):
    """Is a kept file the user's, still within KEPT_LIFETIME, and still there?"""
    found = _KEPT_NAME.fullmatch(kept.kept_name)
    return (not _expired(found, clock.now()) and int(found.group(2)) == user_id
            and storage.exists(_kept(kept.kept_name)))


def store_kept(storage, kept):
    """The kept file under a new name of its own, as store() would name it (a hard link
    or a copy within the store); the kept one stays until it is old, so a second send of
    the same form finds it too. Returns the name."""
    name = secrets.token_urlsafe(24)
    storage.copy(_kept(kept.kept_name), name)
    return name
