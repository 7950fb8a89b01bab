"""How many an announcement reaches, shown before it is sent (issue 22, safe sending):
families, people, and how many of them get it on paper. Counted with
recipients.announcement_households, the very rule inbox.announce sends by, as of now."""
from dataclasses import dataclass

from models.messaging import recipients


@dataclass(frozen=True)
class Reach:
    # Homes, counted once each: the children's distinct sets of guardians (twins are one),
    # and each adult once. The send deduplicates within one unit only (once_each), so a
    # home with children in two of the targets' units gets one thread in each: still one
    # home and the same adults, which is what the sender is asked to confirm. Per unit,
    # the adults a unit's threads reach are exactly the reach of its targets alone.
    families: int
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
    """One announcement per family in a unit, however many of its targets there reach
    the family's child: of one target's households ({child id: [guardian ids]}), those
    no earlier target of the same announcement in the same unit has reached; `reached`
    (a set the send keeps per unit, outbox_send.send) gets them. Shared threads: each
    guardian once per unit, in the thread of the first target there that reaches them
    (groups before the whole unit). One conversation per child: each child once per
    unit. So each unit's threads deliver the union of its targets, as `reach` counts
    it; never across units, where a guardian reads a thread only while a child of
    theirs is in that unit."""
    if per_child:
        kept = {child: ids for child, ids in by_child.items() if child not in reached}
        reached.update(kept)
        return kept
    kept = {child: [g for g in ids if g not in reached] for child, ids in by_child.items()}
    kept = {child: ids for child, ids in kept.items() if ids}
    reached.update(g for ids in kept.values() for g in ids)
    return kept
