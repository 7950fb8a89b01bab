"""The parts of an SS 12000 JSON document (models/roster/ss12000.py) read with their
JSON path, so that an error names the place to fix ("persons[3].civicNo"): the top-level
lists or the API's pages, lists inside objects, texts, references, dates, and whether a
dated membership, relation, duty or assignment holds today."""
import datetime
import re

from flask_babel import lazy_gettext as _l

from models.roster.rows import RosterError

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def items(document, key, required=True):
    """[(path, object)] of one top-level list (or page), every object with an id."""
    value, path = document.get(key), key
    if value is None:
        if required:
            raise RosterError(key, _l("is missing"))
        return []
    if isinstance(value, dict):
        if value.get("pageToken"):
            raise RosterError(f"{key}.pageToken", _l("is set: this is one page of the API's "
                                                     "answer, and the roster needs them all"))
        value, path = value.get("data"), f"{key}.data"
    if not isinstance(value, list):
        raise RosterError(path, _l("must be a list"))
    found, seen = [], {}
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            raise RosterError(where, _l("must be an object"))
        key_ = text(where, item, "id", True)
        if key_ in seen:
            raise RosterError(where, _l("id “%(id)s” is also %(other)s", id=key_,
                                        other=seen[key_]))
        seen[key_] = where
        found.append((where, item))
    return found


def objects(where, parent, key):
    """[(path, object)] of a list inside an object; absent is empty."""
    value = parent.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RosterError(f"{where}.{key}", _l("must be a list of objects"))
    return [(f"{where}.{key}[{index}]", item) for index, item in enumerate(value)]


def strings(where, parent, key):
    """The texts of a list of strings or of objects with a value; absent is empty."""
    value = parent.get(key) or []
    if not isinstance(value, list):
        raise RosterError(f"{where}.{key}", _l("must be a list"))
    texts = [item.get("value") if isinstance(item, dict) else item for item in value]
    return [t.strip() for t in texts if isinstance(t, str) and t.strip()]


def text(where, parent, key, required=False):
    value = parent.get(key)
    if value is not None and not isinstance(value, str):
        raise RosterError(f"{where}.{key}", _l("must be a text"))
    if required and not (value or "").strip():
        raise RosterError(f"{where}.{key}", _l("is missing"))
    return (value or "").strip()


def reference(where, parent, key, known, what):
    """The id of an object reference {"id": …}, which must be among `known`."""
    reference = parent.get(key)
    if not isinstance(reference, dict) or not isinstance(reference.get("id"), str):
        raise RosterError(f"{where}.{key}", _l('must be a reference {"id": …}'))
    if reference["id"] not in known:
        raise RosterError(where, _l("%(field)s “%(id)s” is not in %(list)s", field=key,
                                    id=reference["id"], list=what))
    return reference["id"]


def date(where, value):
    if isinstance(value, str) and DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise RosterError(where, _l("must be a date written YYYY-MM-DD"))


def current(where, item, today):
    """Whether a membership, relation, duty or assignment holds today."""
    start, end = (date(f"{where}.{key}", item[key]) if item.get(key) is not None else None
                  for key in ("startDate", "endDate"))
    return (start is None or start <= today) and (end is None or today <= end)
