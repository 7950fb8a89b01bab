"""The consent read model: which consents ask about which children, who decides for
each child, what they answered, and each item's status. Each is one query whatever the
number of children (a subquery of their ids), so a page costs a fixed number of
queries: the consent pages (models/consent/consent_book.py) and the photos' consent
(models/posts/photo_consent.py) read through these.
"""
import datetime
import json
from dataclasses import dataclass, field

from peewee import JOIN, fn

from models import access
from models.consent.tables import (PHOTO, Consent, ConsentAnswer, ConsentChild, ConsentItem,
                                   ConsentVersion, current_answer, effective, renewal_cutoff,
                                   text_in)
from models.school.tables import (WITH_RESPONSIBILITY, Child, Enrolment, Group, Guardianship,
                                  User)
from models.translation.tables import cached, columns, item_fields, joined


# What applies ------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemLine:
    id: int
    key: str
    label: str


@dataclass
class ConsentLine:
    """A consent as a page shows it: its current version's text in one language."""
    id: int
    kind: str
    version_id: int
    version: int
    title: str
    text: str
    deadline: datetime.date | None
    renew_yearly: bool
    only_chosen: bool
    unit_id: int | None
    group_id: int | None
    items: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    language: str | None = None     # of the text shown
    source: dict = field(default_factory=dict)  # the text shown: {"title", "text", "items"}
    translation: object = None      # its cached machine translation (models/translation/)


def latest_version():
    """A condition: the joined ConsentVersion is its consent's newest."""
    newer = ConsentVersion.alias("newer")
    return ~fn.EXISTS(newer.select(newer.id).where(
        (newer.consent == ConsentVersion.consent) & (newer.number > ConsentVersion.number)))


def applies_to(children, day):
    """Consents (open) that ask about at least one of `children` (a subquery of child
    ids): everyone's, their unit's, their group's, or chosen for them."""
    active = Enrolment.select(Enrolment.group).where(
        Enrolment.child.in_(children) & Enrolment.active(day))
    units = Group.select(Group.unit).where(Group.id.in_(active))
    chosen = ConsentChild.select(ConsentChild.consent).where(ConsentChild.child.in_(children))
    broad = ~Consent.only_chosen & (
        (Consent.unit.is_null() & Consent.group.is_null())
        | (Consent.group.is_null() & Consent.unit.in_(units))
        | Consent.group.in_(active))
    return Consent.closed_at.is_null() & (broad | (Consent.only_chosen & Consent.id.in_(chosen)))


def asked_by(units):
    """Consents that the whole municipality asks (the administrator's) or one of `units`
    (a subquery of unit ids) asks: a group's consent is its unit's. Staff see these
    only, whatever else is asked of the same children."""
    return ((Consent.unit.is_null() & Consent.group.is_null()) | Consent.unit.in_(units)
            | Consent.group.in_(Group.select(Group.id).where(Group.unit.in_(units))))


def staff_units(user, child, day):
    """The units through which a member of staff reaches the child today."""
    return Group.select(Group.unit).where(
        Group.id.in_(access.staff_group_ids(user))
        & Group.id.in_(Enrolment.select(Enrolment.group).where(
            (Enrolment.child == child) & Enrolment.active(day))))


def consents_query(children, day, units=None, target=None):
    """The open consents asking `children`; with `units`, only those they ask (see
    `asked_by`); with `target`, each version's cached machine translation into it."""
    condition = applies_to(children, day) & latest_version()
    if units is not None:
        condition &= asked_by(units)
    query = (Consent.select(Consent.id, Consent.kind, Consent.deadline, Consent.renew_yearly,
                            Consent.only_chosen, Consent.unit, Consent.group,
                            ConsentVersion.id, ConsentVersion.number, ConsentVersion.texts,
                            ConsentItem.id, ConsentItem.key)
             .join(ConsentVersion, on=(ConsentVersion.consent == Consent.id))
             .switch(Consent).join(ConsentItem, on=(ConsentItem.consent == Consent.id)))
    if target is not None:
        table, on = joined("consent", ConsentVersion.id, target)
        query = query.join_from(ConsentVersion, table, JOIN.LEFT_OUTER, on=on).select_extend(
            *columns(table))
    return (query.where(condition)
            .order_by(Consent.kind != PHOTO, Consent.created_at, Consent.id,
                      ConsentItem.position)
            .tuples())


def shown_language(texts, language, fallback):
    """The language of the text `text_in` gives."""
    return next((code for code in (language, fallback) if texts.get(code)), next(iter(texts)))


def one_child(child):
    """The child as the queries take children: a subquery of ids."""
    return Child.select(Child.id).where(Child.id == child)


def in_group(group, day):
    """The children enrolled in the group on `day`, as a subquery of ids."""
    return Enrolment.select(Enrolment.child).where((Enrolment.group == group)
                                                   & Enrolment.active(day))


def consents_for(children, day, language, fallback, rows=None):
    """[ConsentLine, …] with their items, the photo consent first, then by age."""
    lines = {}
    for (cid, kind, deadline, renew, only_chosen, unit, group, vid, number, texts,
         item_id, key, *translation) in (consents_query(children, day) if rows is None
                                         else rows):
        line = lines.get(cid)
        if line is None:
            texts = json.loads(texts)
            text = text_in(texts, language, fallback)
            line = lines[cid] = ConsentLine(cid, kind, vid, number, text["title"],
                                            text["text"], deadline, renew, only_chosen,
                                            unit, group)
            line.labels = text.get("items", {})
            line.language, line.source = shown_language(texts, language, fallback), text
            if translation:
                line.translation = cached(translation, item_fields(text))
        line.items.append(ItemLine(item_id, key, line.labels.get(key, line.title)))
    return list(lines.values())


def chosen_children(consent_ids):
    """{consent id: {child id, …}} for consents that ask only chosen children."""
    result = {}
    if consent_ids:
        for consent, child in (ConsentChild.select(ConsentChild.consent, ConsentChild.child)
                               .where(ConsentChild.consent.in_(consent_ids)).tuples()):
            result.setdefault(consent, set()).add(child)
    return result


# Who answers, and what they answered -----------------------------------------------------

@dataclass(frozen=True)
class GuardianLine:
    id: int
    name: str


def guardians_query(children):
    """(child, user id, first name, last name) of everyone with parental responsibility
    for `children` (a subquery of ids), by name."""
    return (Guardianship.select(Guardianship.child, User.id, User.first_name, User.last_name)
            .join(User, on=(Guardianship.guardian == User.id))
            .where(Guardianship.child.in_(children)
                   & Guardianship.responsibility.in_(WITH_RESPONSIBILITY)
                   & (User.is_active == True))  # noqa: E712
            .order_by(User.first_name, User.last_name).tuples())


def responsible_guardians(children, rows=None):
    """{child id: [GuardianLine, …]}: everyone with parental responsibility, whose
    answers decide. Caregivers and information-only parents are not among them."""
    result = {}
    for child, uid, first, last in (guardians_query(children) if rows is None else rows):
        result.setdefault(child, []).append(GuardianLine(uid, f"{first} {last}"))
    return result


@dataclass(frozen=True)
class AnswerRow:
    id: int
    child_id: int
    item_id: int
    guardian_id: int
    version_id: int
    answer: str
    at: datetime.datetime


def answers_query(children):
    """Every answer about `children` (a subquery of ids), oldest first, as AnswerRow
    takes them."""
    return (ConsentAnswer.select(ConsentAnswer.id, ConsentAnswer.child, ConsentAnswer.item,
                                 ConsentAnswer.guardian, ConsentAnswer.version,
                                 ConsentAnswer.answer, ConsentAnswer.at)
            .where(ConsentAnswer.child.in_(children))
            .order_by(ConsentAnswer.id).tuples())


def answer_rows(children, rows=None):
    """{(child, item, guardian): [AnswerRow, …] oldest first}."""
    result = {}
    for row in (answers_query(children) if rows is None else rows):
        answer = AnswerRow(*row)
        result.setdefault((answer.child_id, answer.item_id, answer.guardian_id),
                          []).append(answer)
    return result


@dataclass(frozen=True)
class ItemStatus:
    """One item for one child: the effective status and each guardian's answer."""
    item: ItemLine
    status: str
    answers: list           # [(GuardianLine, answer or None), …]

    @property
    def waiting_for(self):
        return [g for g, a in self.answers if a is None]

    def answer_of(self, user_id):
        return next((a for g, a in self.answers if g.id == user_id), None)


def item_status(consent, item, child_id, guardians, rows, day):
    cutoff = renewal_cutoff(day) if consent.renew_yearly else None
    answers = [(g, current_answer(rows.get((child_id, item.id, g.id), []),
                                  consent.version_id, cutoff)) for g in guardians]
    return ItemStatus(item, effective({g.id: a for g, a in answers}), answers)
