"""A department's shared tablet (issue 18): paired once by the unit's leader, it shows
only its department's day, and every action on it is confirmed by a staff member's
personal PIN."""
