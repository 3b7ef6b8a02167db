"""Certificates of attendance: a one-page PDF from a signed-off training record, and its public check page."""
