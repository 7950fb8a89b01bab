"""The English catalogue is the source text itself: every msgstr is its msgid (the
singular and plural forms of a plural message). `make extract` runs this after merging,
so English is always complete."""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"
with path.open("rb") as fh:
    catalog = read_po(fh, locale="en")
for message in catalog:
    if message.id:
        message.string = message.id
        message.flags.discard("fuzzy")
with path.open("wb") as fh:
    write_po(fh, catalog, width=100)
sys.exit(0)
