"""Shared building blocks: time, column types, permissions, audit, Jinja filters."""
