"""Rectification (GDPR art. 16, DESIGN.md rule 10): a guardian, a caregiver or a member
of staff says that something stored about them or their child is wrong; the unit leader
(or, for data from the population register, the administrator) answers — corrected, or
declined with a reason — and both sides see the whole history.

tables.py holds the tables, access.py who may file, see and answer (404 to everyone
else), requests.py filing, answering, comments and withdrawal (audited, notified),
demo.py the demo's open request."""
