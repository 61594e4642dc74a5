"""Statistical tables: CSV files and XLSX workbooks checked against their declared schema."""
