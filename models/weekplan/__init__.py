"""The weekly plan (ukeplan / veckobrev) of a group: per day the subjects, what happens,
homework and what to bring, published to the group's families at a chosen time."""
