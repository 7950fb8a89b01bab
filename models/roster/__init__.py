"""Importing the roster: `reading` (files and zips, bounded), the readers
`kontaktbok_csv`, `oneroster` and `ss12000` into one shape (`rows`), `roster` (checking
and planning), `applying` (all or nothing), `imports` (the administrator's page), and
`tables` (the applied runs)."""
