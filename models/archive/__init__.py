"""Archive export before purge (DESIGN.md rule 9): records that may belong in the public
archive (Norway: arkivlova; Sweden: arkivlagen) are packed per unit and period, taken by
the municipality's archive, and only then may the retention purge delete them
(`gate.deletable_before`)."""
