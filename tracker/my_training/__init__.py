"""My training: a person's own places, requirements, record and calendar feed, on one page."""
