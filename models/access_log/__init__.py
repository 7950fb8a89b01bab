"""Rule 12 of DESIGN.md: "who has seen my child's data". Every opening of a page with a
child's personal data by staff or an administrator becomes one row per child
(`tables.AccessRecord`, written by `record.write`); the child's guardians read them
(`history.for_child`); rows older than the guardians' window and a margin go
(`cleanup.purge_before`)."""
