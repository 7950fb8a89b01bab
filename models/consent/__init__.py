"""Consents: photo and film consent and further consents a unit asks, with their
versions, answers and revocations."""
