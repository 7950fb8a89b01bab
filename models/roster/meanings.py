"""The values a roster file may hold in a column, each with what it means in the
reader's language, for the errors that name them: the value is a word of the file
format and stays as it is (`shared`, `strengtFortrolig`), its meaning is translated
("felles foreldreansvar", "gemensam vårdnad")."""
from flask_babel import lazy_gettext as _l

from models.roster.rows import Code, Problem, choices
from models.school.tables import (ADMINISTRATOR, CONTACT_TEACHER, GROUP_STAFF,
                                  KINDERGARTEN_STAFF, SFO_STAFF, UNIT_LEADER)

KINDS = choices(("school", _l("School")), ("sfo", _l("After-school care")),
                ("kindergarten", _l("Kindergarten")))
RESPONSIBILITY = choices(("shared", _l("shared parental responsibility")),
                         ("sole", _l("sole parental responsibility")),
                         ("none", _l("no parental responsibility")))
# The Kontaktbok CSV also takes the population registers' words.
RESPONSIBILITIES = choices((("shared", "felles", "gemensam"), RESPONSIBILITY[0][1]),
                           (("sole", "alene", "ensam"), RESPONSIBILITY[1][1]),
                           (("none", "ingen"), RESPONSIBILITY[2][1]))
PROTECTION = choices(
    ("ugradert", _l("no address protection")),
    ("klientadresse", _l("a client address instead of the home address")),
    ("fortrolig", _l("confidential address (former code 7)")),
    ("strengtFortrolig", _l("strictly confidential address (former code 6)")))
SECURITY_MARKINGS = choices(
    ("Ingen", _l("no marking")),
    ("Sekretessmarkering", _l("confidentiality marking")),
    ("Skyddad folkbokföring", _l("protected population registration")))
ROLES = choices((UNIT_LEADER, _l("Leader of the unit (principal or head)")),
                (CONTACT_TEACHER, _l("Contact teacher")),
                (GROUP_STAFF, _l("Staff attached to the group")),
                (SFO_STAFF, _l("After-school care staff")),
                (KINDERGARTEN_STAFF, _l("Kindergarten staff")),
                (ADMINISTRATOR, _l("Municipal administrator")))
BOOLEANS = choices((("yes", "ja", "true", "1"), _l("Yes")),
                   (("no", "nei", "nej", "false", "0"), _l("No")))

# What a column holds, said in words beside its name.
WHAT = {
    "kind": _l("kind of unit"),
    "metadata.kontaktbok.kind": _l("kind of unit"),
    "responsibility": _l("parental responsibility"),
    "metadata.kontaktbok.responsibility": _l("parental responsibility"),
    "address_protection": _l("address protection"),
    "metadata.kontaktbok.addressProtection": _l("address protection"),
    "role": _l("role"),
    "fixed_residence": _l("fixed residence"),
    "main_addressee": _l("main addressee"),
}


def choice_problem(column, value, allowed):
    """“`responsibility` (parental responsibility): “delt” must be one of: `shared`
    (shared parental responsibility), …"."""
    return Problem(_l("%(column)s (%(what)s): “%(value)s” must be one of: %(allowed)s"),
                   column=Code(column), what=WHAT[column], value=value, allowed=allowed)
