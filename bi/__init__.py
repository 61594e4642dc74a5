"""Apache Superset on the published marts: `make bi`."""
