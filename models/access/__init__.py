"""Who may see and do what: the rules of DESIGN.md as query filters and answers, the
one place authorization is decided.

Every list page and every single-item page asks here, so both use the very same rule.
A view never fetches a child, group, unit or thread by id on its own: it calls
`child_or_none` (and friends) and answers 404 when they return None, so a stranger
cannot tell whether the thing exists; a "may this user do X" question is a function here
too, never a condition in a view or a template.

The package imports the areas' tables and nothing with behaviour. One module per rule
family; this module is the entry point (`from models import access`):

- children: rules 1–3 for children and groups (guardians, caregivers, staff);
- threads: rule 3 for conversations and announcements, and who may start them;
- consents: rules 5 and 6 for answering consents and defining them;
- class_list: rule 7;
- leave: authority over a child (leave, code login, paper letters);
- posts: rules 4, 5 and 9 for reading posts;
- roles: the administrator, staff, the parent without parental responsibility.
"""
from models.access.children import (child_or_none, children, group_or_none, groups,
                                    guarded_child_ids, guarded_children, guardian_child_or_none,
                                    invited_child_or_none, own_children, responsible_children,
                                    staff_child_or_none,
                                    staff_children, staff_group_children, staff_group_ids,
                                    staff_groups, units)
from models.access.class_list import class_list_viewer, joined_guardian_sees
from models.access.consents import (PUPILS_NEVER_DECIDE, answering_child,
                                    answering_child_ids, consent_answerer_condition,
                                    consent_child, consent_scope, may_answer_consents)
from models.access.leave import (absence_viewer, authority_child_ids, authority_over,
                                 changeable_reports, leave_deciders, leave_page, leave_scope,
                                 leave_to_decide, leave_to_decide_all, own_report_or_none)
from models.access.posts import post_condition
from models.access.roles import (events_heard, home_roles, is_administrator,
                                 is_data_protection_officer, is_information_only, is_staff)
from models.access.threads import (ThreadView, acts_as_guardian, announcement_targets,
                                   children_to_write_about, may_reply_as, replies_privately,
                                   reply_rights, staff_units_for, thread_condition,
                                   thread_for_inspection, thread_or_none, threads, urgent_units)

__all__ = [
    "PUPILS_NEVER_DECIDE", "ThreadView", "absence_viewer", "acts_as_guardian",
    "announcement_targets", "answering_child", "answering_child_ids", "authority_child_ids",
    "authority_over", "changeable_reports", "child_or_none", "children",
    "children_to_write_about", "class_list_viewer", "consent_answerer_condition",
    "consent_child", "consent_scope",
    "events_heard", "group_or_none", "groups", "guarded_child_ids", "guarded_children",
    "guardian_child_or_none", "home_roles", "invited_child_or_none", "is_administrator",
    "is_data_protection_officer", "is_information_only", "is_staff", "joined_guardian_sees",
    "leave_deciders", "leave_page",
    "leave_scope", "leave_to_decide", "leave_to_decide_all", "may_answer_consents",
    "may_reply_as", "own_children", "own_report_or_none", "post_condition",
    "responsible_children",
    "replies_privately", "reply_rights", "staff_child_or_none", "staff_children",
    "staff_group_children", "staff_group_ids", "staff_groups", "staff_units_for",
    "thread_condition", "thread_for_inspection", "thread_or_none", "threads", "units",
    "urgent_units"]
