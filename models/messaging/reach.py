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
