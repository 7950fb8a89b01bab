"""How many an announcement reaches, shown before it is sent (issue 22, safe sending):
families, people, and how many of them get it on paper. Counted with
recipients.announcement_households, the very rule inbox.announce sends by, as of now."""
from dataclasses import dataclass

from models.messaging import recipients


@dataclass(frozen=True)
class Reach:
    families: int   # homes: the children's distinct sets of guardians (twins are one)
    people: int     # guardians and caregivers
    paper: int      # of them, those who get letters on paper (rule 8)


def reach(targets, day=None):
    """The reach of an announcement to the targets [(unit, group or None), …] today.
    One query, whatever the number of targets or families."""
    paper = set()
    by_child = recipients.announcement_households(targets, day, paper=paper)
    people = set().union(*by_child.values()) if by_child else set()
    return Reach(len({frozenset(ids) for ids in by_child.values()}), len(people),
                 len(paper))


def once_each(by_child, reached, per_child):
    """One announcement per family, however many of its targets reach the family's
    child: of one target's households ({child id: [guardian ids]}), those no earlier
    target of the same announcement has reached; `reached` (a set the send keeps for
    the whole announcement) gets them. Shared threads: each guardian once, in the thread
    of the first target that reaches them. One conversation per child: each child once.
    So what is delivered is the union of the targets, as `reach` counts it."""
    if per_child:
        kept = {child: ids for child, ids in by_child.items() if child not in reached}
        reached.update(kept)
        return kept
    kept = {child: [g for g in ids if g not in reached] for child, ids in by_child.items()}
    kept = {child: ids for child, ids in kept.items() if ids}
    reached.update(g for ids in kept.values() for g in ids)
    return kept
