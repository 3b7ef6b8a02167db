"""Measurements of the tracker, as ratios to a baseline taken in the same run (`make bench`)."""
