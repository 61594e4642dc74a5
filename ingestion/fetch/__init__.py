"""Fetch: get bytes from a source's URLs under its fetch policy, and land them."""
