"""Absence reports from guardians, absence noticed by staff, and leave applications."""
