"""Entity normalisation and resolution (issue 8)."""
