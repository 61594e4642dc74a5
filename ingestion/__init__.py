"""The assistance warehouse: collect, land, parse, extract, build, audit, publish."""

__version__ = "0.1.0"
