"""Rules 5 and 6 of DESIGN.md for consents: who answers a child's consents (a guardian
with parental responsibility, or the pupil from the age the law gives them), and where a
leader defines further consents."""
import datetime

from models.access.children import (RULE_PARAMS, enrolled, first_row, guardian_condition,
                                    responsible_child_ids, rule_params)
from models.db import Prepared
from models.school.tables import ADMINISTRATOR, UNIT_LEADER, Child, StaffRole

PUPILS_NEVER_DECIDE = datetime.date(1, 1, 1)  # a pupil cutoff nobody is born before

_answering = Prepared(
    lambda user, day, adult_cutoff, target: Child.select().where(
        guardian_condition(user, day, adult_cutoff)
        & Child.id.in_(responsible_child_ids(user)) & (Child.id == target)),
    target=int, **RULE_PARAMS)


def answering_child(user, child_id, day=None):
    """The child, when the user is one of its guardians with parental responsibility
    and sees it (rule 1): only they answer its consents. A caregiver, an information-only
    parent or staff get None."""
    return first_row(_answering, child_id, **rule_params(user, day))


def consent_scope(user):
    """Where the user defines further consents: ([unit ids], everywhere). A unit leader
    for the units they lead; the administrator everywhere; anyone else nowhere."""
    rows = list(StaffRole.select(StaffRole.role, StaffRole.unit)
                .where((StaffRole.user == user)
                       & StaffRole.role.in_([UNIT_LEADER, ADMINISTRATOR])).tuples())
    everywhere = any(role == ADMINISTRATOR for role, _ in rows)
    return [unit for role, unit in rows if role == UNIT_LEADER and unit], everywhere


def _consent_child_query(user, day, adult_cutoff, target):
    guardian = (guardian_condition(user, day, adult_cutoff)
                & Child.id.in_(responsible_child_ids(user)))
    own = (Child.account == user) & enrolled(day)
    return Child.select(Child, own.alias("own")).where((guardian | own) & (Child.id == target))


_consent_child = Prepared(_consent_child_query, target=int, **RULE_PARAMS)


def consent_child(user, child_id, day=None):
    """For a child's consent page, one query: (child, "guardian") when the user is one
    of its guardians with parental responsibility who sees it, (child, "pupil") when it
    is the pupil's own login (while enrolled); otherwise (None, None)."""
    child = first_row(_consent_child, child_id, **rule_params(user, day))
    if child is None:
        return None, None
    return child, "pupil" if child.own else "guardian"


GUARDIAN, PUPIL = "guardian", "pupil"


def may_answer_consents(role, pupil_decides):
    """Who answers a child's consents, given how the user sees the child ("guardian" or
    "pupil" from `consent_child`, or "staff") and whether the pupil decides for
    themselves now (from the age the municipality sets): True when this user answers,
    False when they only read (staff; a guardian once the pupil decides), None when the
    page is not theirs at all (a pupil before they decide)."""
    if role == PUPIL and not pupil_decides:
        return None
    return role == (PUPIL if pupil_decides else GUARDIAN)


def answering_child_ids(user, day, adult_cutoff):
    """Ids of the children `answering_child` gives the user (their guardian with parental
    responsibility, who sees them), as a subquery a prepared query can hold: the children
    whose caregiver requests and leave the user decides on as a parent."""
    return Child.select(Child.id).where(guardian_condition(user, day, adult_cutoff)
                                        & Child.id.in_(responsible_child_ids(user)))


def consent_answerer_condition(user, day, adult_cutoff, pupil_cutoff):
    """The child (outer query) is one whose consents the user answers now: as
    `consent_child` and `may_answer_consents` decide one child at a time, for counting
    every child at once. A pupil with their own login born on or before `pupil_cutoff`
    answers for themselves, and their guardians no longer do (PUPILS_NEVER_DECIDE when
    the municipality leaves every answer to the guardians)."""
    decides = Child.account.is_null(False) & (Child.birth_date <= pupil_cutoff)
    guardian = (guardian_condition(user, day, adult_cutoff)
                & Child.id.in_(responsible_child_ids(user)) & ~decides)
    own = (Child.account == user) & enrolled(day) & decides
    return guardian | own
