"""Load: the one stage that writes the warehouse's ``raw`` schema.

It reads what collection landed (the fetch log and payloads), parses new
payloads into articles, extracts facts from new articles, loads statistical
tables and the gazetteer. Each step is idempotent: re-running it adds nothing
that is already there.
"""
