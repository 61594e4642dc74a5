"""Statistical tables: CSV files checked against the schema their source declares."""
