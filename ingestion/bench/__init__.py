"""Benchmarks of the whole pipeline on a generated corpus (``python -m ingestion bench``)."""
