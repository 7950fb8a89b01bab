"""A gentle check before a message is sent: does the text look like it holds a national
identity number or health details? (Seeds 000 and 001: such things belong in a meeting
or a phone call.) The writer is warned and may still send.

The word lists are deliberately short and common; they catch the everyday cases, not
every way of saying something.
"""
import re

NATIONAL_ID = re.compile(
    r"(?<!\d)(?:\d{6}\s?\d{5}"            # Norwegian fødselsnummer: ddmmyy nnnnn
    r"|(?:\d{2})?\d{6}[-+]?\d{4})(?!\d)")  # Swedish personnummer: (yy)yymmdd-nnnn

HEALTH_WORDS = {
    "en": ["diagnosis", "diagnosed", "adhd", "autism", "epilepsy", "diabetes", "asthma",
           "allergy", "medicine", "medication", "depression", "anxiety", "psychologist",
           "hospital", "illness", "disease", "therapy", "pregnant"],
    "nb": ["diagnose", "adhd", "autisme", "epilepsi", "diabetes", "astma", "allergi",
           "medisin", "medikament", "depresjon", "angst", "psykolog", "sykehus",
           "sykdom", "bup", "terapi", "gravid", "spiseforstyrrelse"],
    "nn": ["diagnose", "adhd", "autisme", "epilepsi", "diabetes", "astma", "allergi",
           "medisin", "medikament", "depresjon", "angst", "psykolog", "sjukehus",
           "sjukdom", "bup", "terapi", "gravid", "eteforstyrring"],
    "sv": ["diagnos", "adhd", "autism", "epilepsi", "diabetes", "astma", "allergi",
           "medicin", "läkemedel", "depression", "ångest", "psykolog", "sjukhus",
           "sjukdom", "bup", "terapi", "gravid", "ätstörning"],
}
_WORDS = re.compile(
    r"\b(" + "|".join(sorted({re.escape(w) for ws in HEALTH_WORDS.values() for w in ws},
                             key=len, reverse=True)) + r")\w*",
    re.IGNORECASE)


def concerns(text):
    """What in the text may be sensitive: {'national_id', 'health'} or a subset."""
    found = set()
    if NATIONAL_ID.search(text):
        found.add("national_id")
    if _WORDS.search(text):
        found.add("health")
    return found
