"""A person's copy of everything Kontaktbok keeps about them and their children (GDPR
art. 15 and 20): asked for on "Your data", made by the task queue (tasks.py: family.py
and own.py gather it, archive.py writes it), downloaded once through a link
(exports.py), deleted when its day is over (cleanup.py)."""
