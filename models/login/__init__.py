"""Logging in: `passwords`, `sessions` (server-side login sessions), `oidc` (eID and
staff SSO), `accounts` (finding the account a login belongs to), `code_login` (one-time
codes for guardians without eID) and `email_change` (confirming a changed address)."""
