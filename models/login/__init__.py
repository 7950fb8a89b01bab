"""Logging in: passwords, sessions, eID and staff login (OpenID Connect), one-time codes
for guardians without eID, and confirming a changed e-mail address."""
