"""Parent–teacher meetings (issue 20): `tables`; `rounds` (opening a round, its slots
and children); `booking` (book, rebook, cancel, assign: one transaction each, the
database's UNIQUE(slot) deciding a race); `pages` (what the booking and schedule pages
show, a constant number of queries); `reminders`; `agenda` (the "this week" contract);
`retention`, `export`, `demo`."""
