"""mockguard sandbox: a GitHub-compatible REST server on loopback (see README "## mockguard sandbox")."""
