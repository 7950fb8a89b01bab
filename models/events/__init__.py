"""Events (issue 20): a unit's activities with an optional reply — `tables`, `events`
(create, edit, cancel; what changed), `replies`, `reminders`, `ics` (one event as
iCalendar), `agenda` (the calendar's shared query contract), `retention`, `export`,
`demo`."""
