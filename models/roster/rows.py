"""A roster as read from a file, before it touches the database: units, groups,
children, guardians and their guardianships, staff and their roles.

Every reader (models/roster/kontaktbok_csv.py: Kontaktbok CSV; models/roster/oneroster.py:
OneRoster 1.1 CSV; models/roster/ss12000.py: SS 12000 JSON) produces this;
models/roster/roster.py compares it with the database and models/roster/applying.py
applies it. Each row remembers where it came from (file and line, or JSON path, as
`line` writes it), so that an error names the place to fix.

Values are already in Kontaktbok's terms:
- unit kind: "school", "sfo", "kindergarten"
- responsibility: "shared", "sole", "none" (a parent without parental responsibility)
- address protection: "ugradert", "klientadresse", "fortrolig", "strengtFortrolig", or
  None when the file does not say (then the level stored stays; a new person gets
  "ugradert"): a missing column must never lower a protection
- role: one of models.people.ROLES
- national ids: digits only (11 in Norway, 12 in Sweden)
"""
import datetime
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class RosterError(Exception):
    """A row that cannot be imported. Nothing is applied when there is one."""

    def __init__(self, where, problem):
        super().__init__("%s: %s" % (where, problem))
        self.where = where
        self.problem = problem


def line(name, number):
    """Where in a file: "children.csv line 3" (the header is line 1)."""
    return _l("%(file)s line %(line)d", file=name, line=number)


class Code(str):
    """A word of the file format (a column, a value such as `shared`): the same in
    every language, so shown as it is written in the file, in <code>."""


def choices(*pairs):
    """The values a column allows, each with its meaning in the reader's language:
    ((token or (token, alternative, …)), meaning) → "`shared` (shared parental
    responsibility), …"."""
    return Choices(pairs)


class Choices(tuple):
    def text(self):
        return ", ".join(f"{'/'.join(_tokens(t))} ({m})" for t, m in self)

    def html(self):
        return Markup(", ").join(
            Markup("%s (%s)") % (Markup("/").join(Markup("<code>%s</code>") % token
                                                   for token in _tokens(t)), str(m))
            for t, m in self)


def _tokens(tokens):
    return (tokens,) if isinstance(tokens, str) else tokens


class Problem(LazyString):
    """What is wrong, translated when shown. `message` is a lazy_gettext without values
    (for the catalogue); values are Code, Choices, or text from the file."""

    def __init__(self, message, **values):
        super().__init__(_text, message, values)

    def __html__(self):
        message, values = self._args
        return Markup(escape(str(message))) % {key: _html_value(value)
                                                for key, value in values.items()}


def _text(message, values):
    return str(message) % {key: value.text() if isinstance(value, Choices) else str(value)
                           for key, value in values.items()}


def _html_value(value):
    if isinstance(value, Choices):
        return value.html()
    if isinstance(value, Code):
        return Markup("<code>%s</code>") % value
    return as_html(value)


def as_html(text):
    """A Problem as its HTML; anything else escaped. (A plain LazyString would pass as
    safe HTML: its __html__ returns it unescaped, with whatever the file held.)"""
    if isinstance(text, Problem):
        return Markup(text.__html__())
    return escape(str(text))


@dataclass
class UnitRow:
    key: str                 # the source system's id for the unit
    name: str
    kind: str
    where: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass
class GroupRow:
    key: str
    unit: str                # UnitRow.key
    name: str
    school_year: int         # the year the school year starts (2026 for 2026/27)
    where: str = ""


@dataclass
class ChildRow:
    national_id: str
    first_name: str
    last_name: str
    birth_date: datetime.date
    groups: list             # GroupRow.key, the groups the child is in now
    where: str = ""
    address: str = ""
    address_protection: str | None = None


@dataclass
class GuardianRow:
    national_id: str
    first_name: str
    last_name: str
    where: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    address_protection: str | None = None


@dataclass
class GuardianshipRow:
    guardian: str            # GuardianRow.national_id
    child: str               # ChildRow.national_id
    responsibility: str
    where: str = ""
    fixed_residence: bool = False
    main_addressee: bool = False


@dataclass
class StaffRow:
    username: str            # lowercase; matched with existing accounts
    first_name: str
    last_name: str
    where: str = ""
    email: str = ""


@dataclass
class RoleRow:
    username: str            # StaffRow.username
    role: str
    unit: str | None         # UnitRow.key (unit-wide roles, and a group's unit)
    group: str | None        # GroupRow.key (contact teacher, group staff)
    where: str = ""


@dataclass
class Roster:
    source: str              # the file's name, for the import history
    units: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    children: list = field(default_factory=list)
    guardians: list = field(default_factory=list)
    guardianships: list = field(default_factory=list)
    staff: list = field(default_factory=list)
    roles: list = field(default_factory=list)
