"""Consents: photo and film consent and further consents a unit asks, with their
versions, answers and revocations. `tables`; `queries` (which consents apply to which
children, who decides, the answers: the read model the posts share); `consent_book` (the
child's and the group's consent pages, answering, history, defining consents); `texts`
(the photo consent's wording); `setup` (where a leader may ask); `reminders`."""
