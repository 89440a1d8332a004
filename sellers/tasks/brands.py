"""Tasks: authorization expiry sweep and reminders."""
