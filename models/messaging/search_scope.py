"""Where a search needs to look at all (issue 22): a cheap superset of the threads a user
may read, as scope words the index holds with every message, so that the full-text index
itself narrows a search to the searcher's units, children, groups and threads before
rule 3 is checked. At 500,000 messages a common word is in most of them; without this,
every one of them would be checked against the rule.

Each message's row carries its thread's scope words: `u<unit>` always, `c<child>` for a
thread about a child, `a<unit>` for an announcement to no one child, `g<group>` for an
announcement to a group, and `t<thread>`. A user's scope words cover every way
models/access/threads.py lets them read a thread: wide roles, their units (`u`), and
the threads they take part in as staff elsewhere about their units' children (`t`);
guardians and caregivers, their children (`c`) and announcements in their children's
units (`a`); contact teachers and other staff, the children and groups of their own
groups (`c`, `g`). As few words as that: each is a list the index reads, and a school
leader's whole school is one. The rule itself is still the one in the query: these
words only ever find too much, never decide. A new way to read a thread in
models/access/threads.py must be added here too, or search misses what the rule allows
(tests/test_message_search.py checks that search finds what the rule gives).

SQLite holds the words in the index's `scope` column; PostgreSQL as lexemes of the
document, each after an "@" (migrations/0040: kb_search_scope), which no word of a text
becomes.
"""
import datetime

from peewee import Value

from models.db import Prepared
from models.messaging.tables import STAFF, Thread, ThreadParticipant
from models.school.tables import (GROUP_ROLES, UNIT_WIDE_ROLES, CaregiverGrant, Enrolment,
                                  Group, Guardianship, StaffRole)


def thread_words(unit_id, child_id, group_id, thread_id):
    """The scope words of a thread, as its messages' index rows hold them."""
    words = [f"u{unit_id}", f"c{child_id}" if child_id else f"a{unit_id}"]
    if group_id:
        words.append(f"g{group_id}")
    words.append(f"t{thread_id}")
    return words


def _user_words(user, day):
    children = (Guardianship.select(Guardianship.child).where(Guardianship.guardian == user)
                | CaregiverGrant.select(CaregiverGrant.child)
                .where(CaregiverGrant.caregiver == user))
    wide_units = StaffRole.select(StaffRole.unit).where(
        (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
    # Contact teachers and other staff attached to groups (contact teachers are in
    # GROUP_ROLES): the children and announcements of those groups.
    own_groups = StaffRole.select(StaffRole.group).where(
        (StaffRole.user == user) & StaffRole.role.in_(GROUP_ROLES)
        & StaffRole.group.is_null(False))
    # Staff with a wide role reach every child of their units; a thread about one of
    # them in another unit they read only by taking part in it: those threads by name.
    wide_groups = Group.select(Group.id).where(Group.unit.in_(wide_units))
    elsewhere = (ThreadParticipant.select(Value("t"), Thread.id)
                 .join(Thread, on=(ThreadParticipant.thread == Thread.id))
                 .where((ThreadParticipant.user == user) & (ThreadParticipant.role == STAFF)
                        & Thread.unit.not_in(wide_units)
                        & (Thread.child.in_(Enrolment.select(Enrolment.child)
                                            .where(Enrolment.group.in_(wide_groups)))
                           | Thread.group.in_(wide_groups))))
    return (StaffRole.select(Value("u"), StaffRole.unit).where(
                (StaffRole.user == user) & StaffRole.role.in_(UNIT_WIDE_ROLES))
            + Guardianship.select(Value("c"), Guardianship.child)
            .where(Guardianship.guardian == user)
            + CaregiverGrant.select(Value("c"), CaregiverGrant.child)
            .where(CaregiverGrant.caregiver == user)
            + Group.select(Value("a"), Group.unit).join(Enrolment).where(
                Enrolment.child.in_(children) & (Enrolment.start_date <= day))
            + Enrolment.select(Value("c"), Enrolment.child).where(
                Enrolment.group.in_(own_groups))
            + Group.select(Value("g"), Group.id).where(Group.id.in_(own_groups))
            + elsewhere).tuples()


_words = Prepared(_user_words, user=int, day=datetime.date)


def user_words(user, day):
    """The scope words of everything the user might read (one query)."""
    return sorted({f"{kind}{number}" for kind, number in _words(user=user.id, day=day)})


def fts_filter(words):
    """The FTS5 condition on the scope column: any of the words."""
    return "scope : (" + " OR ".join(f'"{w}"' for w in words) + ")"


def only_unit(words):
    """The unit, when the words are one unit's alone (someone who reads a whole unit and
    nothing elsewhere: a school leader): every thread they read is of that unit."""
    if len(words) == 1 and words[0].startswith("u"):
        return int(words[0][1:])
    return None


def tsquery(words):
    """The same as a PostgreSQL tsquery (text to cast): any of the words' lexemes."""
    return " | ".join(f"'@{w}'" for w in words)
