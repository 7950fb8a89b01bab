"""The school and its people: `tables` (units, groups, children, guardians, staff roles,
caregiver grants, class-list shares); `caregivers` (requests, approvals, invitations);
`class_list`; `overview` (the home pages) and `waiting` (what waits for each person,
at the top of the home page); `national_ids` (checksums of Norwegian and Swedish
numbers); `organisation` and `people` (the
administrator's pages); `own_settings` (a person's language, notifications and contact
details)."""
