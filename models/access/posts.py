"""Rules 4, 5 and 9 of DESIGN.md for posts: who reads a post, and as whom."""


from models.access.children import guardian_condition, staff_condition, staff_group_ids
from models.db import today
from models.posts.tables import Post
from models.school.tables import Child, Enrolment, eighteenth_birthday_cutoff


def post_condition(user, day=None, adult_cutoff=None):
    """(who may read a post, whether they read it as staff), as conditions on Post:
    group posts of the groups the user reaches (as a guardian of a child enrolled in it,
    or as staff), and individual posts about a child the user sees (as guardian or
    staff). The administrator reads none."""
    day = day or today()
    if adult_cutoff is None:
        adult_cutoff = eighteenth_birthday_cutoff(day)
    guarded = Child.select(Child.id).where(guardian_condition(user, day, adult_cutoff))
    guardian_groups = Enrolment.select(Enrolment.group).where(
        Enrolment.active(day) & Enrolment.child.in_(guarded))
    staff_kids = Child.select(Child.id).where(staff_condition(user, day))
    as_staff = Post.group.in_(staff_group_ids(user)) | Post.child.in_(staff_kids)
    as_guardian = Post.group.in_(guardian_groups) | Post.child.in_(guarded)
    return as_guardian | as_staff, as_staff
