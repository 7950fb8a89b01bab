"""How a pick-up person is named on a page: "Randi Hansen (Grandparent)"."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

RELATION_NAMES = {
    "grandparent": _l("Grandparent"),
    "step_parent": _l("Step-parent"),
    "relative": _l("Other relative"),
    "family_friend": _l("Family friend"),
    "neighbour": _l("Neighbour"),
    "other": _l("Other adult close to the child"),
}


def person_label(person):
    """A PickupPerson with their relation, translated."""
    relation = RELATION_NAMES.get(person.relation, RELATION_NAMES["other"])
    return gettext("%(name)s (%(relation)s)", name=person.name, relation=relation)


def label(entry):
    """Who picks up, as a PickupToday from models.pickup.today.for_day says it: the
    person from the list with their relation, or the one-off name as typed."""
    if entry.person_id:
        return person_label(entry.person)
    return entry.name
