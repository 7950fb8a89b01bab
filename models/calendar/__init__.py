"""The units' calendars: `tables` (the days a unit is closed: school holidays, planning
days) and `days` (which days are off for some units, and whether a day is a school day
for a child). Absence reports and leave use it now; events, a calendar feed and
attendance figures that leave holidays out can ask the same functions."""
