"""The kindergarten and after-school day (issue 18): check-in and check-out, the day
list of a department, the head count, and the guardians' view of their child's day.
Who may see what is models/access/daycare.py's business."""
