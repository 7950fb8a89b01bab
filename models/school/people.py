"""Finding a person by what the administrator types into the access-log filter: an
account by its username or national identity number, a child by national identity
number (both by the number's keyed hash). Only the administrator's pages use these;
everyone else reaches people through models.access."""
from models.protect import index_of
from models.school.tables import Child, User


def account_named(text):
    """An account named by its username or its national identity number, or None."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) in (11, 12) and len(digits) == len(text.replace(" ", "")):
        return User.get_or_none(User.national_id_index == index_of(digits))
    return User.get_or_none(User.username == text.lower())


def child_numbered(text):
    """The child with the national identity number written in `text`, or None."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return Child.get_or_none(Child.national_id_index == index_of(digits)) if digits else None
