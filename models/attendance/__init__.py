"""The attendance register (issue 18): who was present, absent or late, per group and
school day, marked by the staff who keep the group's register."""
