"""The quality gate on the candidate marts (Great Expectations); see ``gate``."""
