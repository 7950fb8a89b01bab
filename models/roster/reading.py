"""Reading an uploaded roster file: a zip of CSV files (Kontaktbok CSV or OneRoster
1.1), unpacked within limits, or an SS 12000 JSON document. The format is told by the
content, never by the file's name."""
import io
import zipfile
import zlib

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl

from models.roster import kontaktbok_csv, oneroster, ss12000
from models.roster.rows import RosterError

# A roster zip holds a handful of CSV files, perhaps in a folder or two. Unpacked, a
# municipality of 10,000 children and 18,000 guardians is about 5 MB as Kontaktbok CSV
# and 30 MB as OneRoster (an enrolment a line): 100 MB leaves room and bounds memory.
ZIP_MAX_MEMBERS = 100
ZIP_MAX_FOLDERS = 3
ZIP_MAX_BYTES = 100 * 1024 * 1024
ZIP_CHUNK = 1024 * 1024


def read(name, data, school_year):
    """A roster from an uploaded file: a zip of Kontaktbok or OneRoster CSV files, or
    an SS 12000 JSON document. Returns (format, Roster); raises RosterError."""
    if data[:4] == b"PK\x03\x04":
        return read_files(unzipped(name, data), name, school_year)
    if data.lstrip()[:1] == b"{":
        return "ss12000", ss12000.read(data, name, school_year)
    raise RosterError(name, _l("is neither a zip of CSV files nor an SS 12000 JSON "
                                "file"))


def unzipped(name, data):
    """{file name: contents} of a zip's files, folders left out, within the ZIP_ limits:
    the sizes the zip declares are checked first, and the bytes it unpacks are counted
    too, since a crafted zip can declare less than it holds. Raises RosterError."""
    too_many = RosterError(name, _nl("holds more than %(num)d file",
                                     "holds more than %(num)d files", ZIP_MAX_MEMBERS))
    # zipfile reads the whole central directory before anything can be counted: its
    # size, from the end record, bounds the work (a few hundred bytes a file).
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end >= 0 and int.from_bytes(data[end + 12:end + 16], "little") > (
            ZIP_MAX_MEMBERS * 1024):
        raise too_many
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS:
                raise too_many
            too_large = RosterError(name, _l("unpacks to more than %(max)d MB",
                                             max=ZIP_MAX_BYTES // (1024 * 1024)))
            if sum(info.file_size for info in members) > ZIP_MAX_BYTES:
                raise too_large
            files, unpacked = {}, 0
            for info in members:
                if info.is_dir():
                    continue
                *folders, base = info.filename.split("/")
                if len(folders) > ZIP_MAX_FOLDERS:
                    raise RosterError(name, _nl(
                        "holds a file inside more than %(num)d folder",
                        "holds a file inside more than %(num)d folders", ZIP_MAX_FOLDERS))
                if base.lower().endswith(".csv") and base in files:
                    raise RosterError(name, _l("holds %(file)s twice", file=base[:100]))
                chunks = []
                with archive.open(info) as member:
                    while chunk := member.read(ZIP_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > ZIP_MAX_BYTES:
                            raise too_large
                        chunks.append(chunk)
                files[base] = b"".join(chunks)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError, zlib.error):  # broken, encrypted, or compressed in an unknown way
        raise RosterError(name, _l("is not a readable zip file")) from None
    return files


def read_files(files, source, school_year):
    """A roster from the files of a zip or a folder ({file name: contents})."""
    if "units.csv" in files:
        return "kontaktbok", kontaktbok_csv.read(files, source)
    if "orgs.csv" in files or "manifest.csv" in files:
        return "oneroster", oneroster.read(files, source, school_year)
    raise RosterError(source, _l("holds neither units.csv (Kontaktbok CSV) nor orgs.csv "
                                 "(OneRoster)"))
