"""Names in the order a reader of the page's language expects, and found by a few
letters of them. The database's order is by code point (Å before Æ, and capitals
first), which is wrong in both Norwegian (… Z Æ Ø Å) and Swedish (… Z Å Ä Ö); the
lists this sorts are those of one page, already read."""
import unicodedata

_AFTER_Z = {"nb": "æøå", "nn": "æøå", "sv": "åäö"}
# The neighbour's letters sort as one's own: ä with æ in Norwegian, æ with ä in Swedish.
_SAME = {"nb": {"ä": "æ", "ö": "ø"}, "nn": {"ä": "æ", "ö": "ø"},
         "sv": {"æ": "ä", "ø": "ö"}}


def _plain(letter):
    """A letter without its accent (é → e), as both languages sort and search it."""
    return unicodedata.normalize("NFD", letter)[0]


def name_key(name, language):
    """The sort key of a name in a language (nb, nn, sv; others by plain letters)."""
    language = (language or "")[:2]
    last, same = _AFTER_Z.get(language, ""), _SAME.get(language, {})
    key = []
    for letter in name.casefold():
        letter = same.get(letter, letter)
        key.append((1, last.index(letter)) if letter in last else (0, _plain(letter)))
    return key


def sorted_by_name(people, language):
    """People or children (anything with a `name`), by name in the language."""
    return sorted(people, key=lambda p: (name_key(p.name, language), p.name))


def _folded(text):
    return "".join(_plain(letter) if letter not in "æøåäö" else letter
                   for letter in text.casefold())


def matching(people, query):
    """Those whose name holds every word of `query`, in any case and with or without
    accents (a search box's plain filter); everyone for an empty query."""
    words = _folded(query).split()
    return [p for p in people if all(word in _folded(p.name) for word in words)]
