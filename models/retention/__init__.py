"""Retention (DESIGN.md rule 9): every kind of personal data is deleted when the
municipality's period for it has passed (the [retention] table of the municipality file).

`kinds.KINDS` lists the kinds in the order the purge runs them; `run.purge` runs them
all, for `flask purge` and for the worker's daily task alike. Kept light: models/__init__
imports `jobs` from here while the tables are still being loaded."""
