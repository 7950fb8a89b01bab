"""Absence reports from guardians, absence noticed by staff, and leave applications:
`tables` (the rows and their fixed choices) and `absence` (reporting, the day's lines,
term totals, applying for and deciding leave)."""
