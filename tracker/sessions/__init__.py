"""The session pages for trainers and the coordinator: over courses (the sessions) and booking (their places)."""
