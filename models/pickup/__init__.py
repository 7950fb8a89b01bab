"""Who may fetch a child from kindergarten or after-school care (issue 18)."""
