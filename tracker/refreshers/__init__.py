"""Refresher reminders before a required course expires, and managers' weekly team digests (issue 18)."""
