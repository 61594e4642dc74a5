"""Harnesses around the product (``ingestion``): never imported by it.

``python -m tools <command>``: ``reliability`` (the crash, re-run, reader, fault
and fuzz matrix behind ``make reliability``), ``stage`` (an ``ingestion``
command with crash pause points armed) and ``reader`` (a BI-like reader that
checks the published marts' invariant in a loop), ``import-cycles``.
"""
