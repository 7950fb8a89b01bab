"""The history of consent answers (retention.consent_history_years).

An answer counts from when it was given until it stops counting: when the same guardian
answers the same item for the same child again (a change, a withdrawal, a new version's
answer), when the consent is closed, or when the child has left (every enrolment ended).
Something done under it (a photo published with the photo consent) may be kept as long
as its own period, so an answer that stopped counting is kept:

- photo consent: documentation_years + consent_history_years after it stopped counting
  (a post published on its last day lives documentation_years; then the period in which
  the municipality must still be able to show the consent it relied on, GDPR art. 7(1));
- any other consent: consent_history_years after it stopped counting.

A guardian's latest answer to an open consent for a child still enrolled never stops
counting here, so the answers that make a consent effective today are never deleted."""
import datetime
from collections import defaultdict

from models.consent.tables import PHOTO, Consent, ConsentAnswer, ConsentItem
from models.retention import common
from models.school.tables import Enrolment


def _left_on(children, day):
    """{child id: the last day enrolled} for the children who have left by `day`."""
    spans = defaultdict(list)
    for some in common.chunks(children):
        for child, end in (Enrolment.select(Enrolment.child, Enrolment.end_date)
                           .where(Enrolment.child.in_(some)).tuples()):
            spans[child].append(end)
    return {child: max(ends) for child, ends in spans.items()
            if all(end is not None and end < day for end in ends)}


def _due_ids(settings, day):
    history = settings["consent_history_years"]
    photo_years = settings["documentation_years"] + history
    earliest = common.day_start(common.years_before(day, history))
    thresholds = {True: common.day_start(common.years_before(day, photo_years)),
                  False: earliest}
    old = (ConsentAnswer.select(ConsentAnswer.child).where(ConsentAnswer.at < earliest)
           .distinct())
    rows = list(ConsentAnswer.select(
        ConsentAnswer.id, ConsentAnswer.child, ConsentAnswer.item, ConsentAnswer.guardian,
        ConsentAnswer.at, Consent.kind, Consent.closed_at)
        .join(ConsentItem, on=(ConsentAnswer.item == ConsentItem.id))
        .join(Consent, on=(ConsentItem.consent == Consent.id))
        .where(ConsentAnswer.child.in_(old))
        .order_by(ConsentAnswer.at, ConsentAnswer.id).tuples())
    left = _left_on({row[1] for row in rows}, day)
    chains = defaultdict(list)
    for row in rows:
        chains[row[1:4]].append(row)
    due = []
    for (child, _, _), chain in chains.items():
        for n, (answer_id, _, _, _, at, kind, closed_at) in enumerate(chain):
            if at >= earliest:
                break
            ends = [chain[n + 1][4]] if n + 1 < len(chain) else []
            if closed_at is not None:
                ends.append(closed_at)
            if child in left:
                ends.append(common.day_start(left[child] + datetime.timedelta(days=1)))
            if ends and min(ends) < thresholds[kind == PHOTO]:
                due.append(answer_id)
    return due


def consent_history_due(settings, day):
    return len(_due_ids(settings, day))


def consent_history_purge(settings, day):
    gone = 0
    for some in common.chunks(_due_ids(settings, day)):
        gone += ConsentAnswer.delete().where(ConsentAnswer.id.in_(some)).execute()
    return gone
