"""Data protection: the audit log page, subject access exports, and retention of leavers' details."""
