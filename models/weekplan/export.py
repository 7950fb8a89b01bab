"""What a guardian's copy of their data (models/data_export) holds from weekly plans.

A weekly plan is the group's timetable and homework, written by staff for every family
of the group alike: it holds nothing about the guardian or their child, so it is not
their personal data (GDPR art. 15 covers data about the person) and the export carries
no plan text. It names the groups whose plans the guardian reads, so the copy shows
that the app gave them this access, and nothing of another family (rule 11)."""
from models.access.weekplan import family_groups


def for_guardian(user):
    """{"groups": [{"group": name, "child": first name}, …]}: whose plans the person
    reads today. One query."""
    return {"groups": [{"group": group_name, "child": child_name}
                       for _, group_name, _, child_name in family_groups(user)]}
