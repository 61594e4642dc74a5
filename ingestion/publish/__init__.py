"""Atomic publication of the audited marts for BI tools; see ``publisher``."""
