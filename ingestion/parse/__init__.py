"""Parse: landed payloads (HTML or text) into clean article text and metadata."""
