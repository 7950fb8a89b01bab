"""The school and its people: `tables` (units, groups, children, guardians, staff roles,
caregiver grants, class-list shares); `caregivers` (requests, approvals, invitations);
`class_list`; `overview` (the home pages); `organisation` and `people` (the
administrator's pages); `own_settings` (a person's language, notifications and contact
details)."""
