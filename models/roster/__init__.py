"""Importing the roster: Kontaktbok CSV, OneRoster 1.1 and SS 12000 read into one shape,
checked, planned and applied all or nothing."""
