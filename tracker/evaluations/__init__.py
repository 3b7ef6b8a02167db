"""Post-session evaluation: the request emailed after sign-off, the anonymous form, and the results."""
