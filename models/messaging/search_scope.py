"""Where a search needs to look at all (issue 22): a cheap superset of the threads a user
may read, as words of the index's `scope` column, so that the full-text index itself
narrows a search to the searcher's units, children and groups before rule 3 is
checked. At 500,000 messages a common word is in most of them; without this, every
one of them would be checked against the rule.

Each message's row carries its thread's scope words: `u<unit>` always, `c<child>` for a
thread about a child, `a<unit>` for an announcement to no one child, `g<group>` for an
announcement to a group. A user's scope words cover every way
models/access/threads.py lets them read a thread (wide roles: their units; guardians
and caregivers: their children, and announcements in their children's units; other
staff: the children and groups they reach). The rule itself is still the one in the
query: these words only ever find too much, never decide. A new way to read a thread
in models/access/threads.py must be added here too, or search misses what the rule
allows (tests/test_message_search.py checks that search finds what the rule gives).
"""
import datetime

from peewee import Value

from models import access
from models.db import Prepared
from models.school.tables import (CONTACT_TEACHER, UNIT_WIDE_ROLES, CaregiverGrant, Enrolment,
                                  Group, Guardianship, StaffRole)


def thread_words(unit_id, child_id, group_id):
    """The scope words of a thread, as its messages' index rows hold them."""
    words = [f"u{unit_id}", f"c{child_id}" if child_id else f"a{unit_id}"]
    if group_id:
        words.append(f"g{group_id}")
    return " ".join(words)


def _user_words(user, day):
    children = (Guardianship.select(Guardianship.child).where(Guardianship.guardian == user)
                | CaregiverGrant.select(CaregiverGrant.child)
                .where(CaregiverGrant.caregiver == user))
    contact_groups = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & (StaffRole.role == CONTACT_TEACHER))
    reached = access.staff_group_ids(user)
    return (StaffRole.select(Value("u"), StaffRole.unit).where(
                (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
            + Guardianship.select(Value("c"), Guardianship.child)
            .where(Guardianship.guardian == user)
            + CaregiverGrant.select(Value("c"), CaregiverGrant.child)
            .where(CaregiverGrant.caregiver == user)
            + Group.select(Value("a"), Group.unit).join(Enrolment).where(
                Enrolment.child.in_(children) & (Enrolment.start_date <= day))
            + Enrolment.select(Value("c"), Enrolment.child).where(
                Enrolment.group.in_(reached) | Enrolment.group.in_(contact_groups))
            + Group.select(Value("g"), Group.id).where(
                Group.id.in_(reached) | Group.id.in_(contact_groups))).tuples()


_words = Prepared(_user_words, user=int, day=datetime.date)


def user_words(user, day):
    """The scope words of everything the user might read (one query)."""
    return sorted({f"{kind}{number}" for kind, number in _words(user=user.id, day=day)})


def fts_filter(words):
    """The FTS5 condition on the scope column: any of the words."""
    return "scope : (" + " OR ".join(f'"{w}"' for w in words) + ")"
