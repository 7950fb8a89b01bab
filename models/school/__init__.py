"""The school and its people: units, groups, children, guardians, staff roles and
caregivers (the tables), and what guardians and leaders do with them (caregiver
requests, the class list, the home pages' overviews)."""
