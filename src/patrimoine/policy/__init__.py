"""Access policy: one engine decides every read of table data, with its reasons.

A policy document (versioned, YAML in and out) says how columns are masked and rows filtered; grants and
approved access requests open what clearance alone does not.
"""

from patrimoine.policy.document import DEFAULT, STRATEGIES, PolicyDocument, from_yaml, to_yaml
from patrimoine.policy.engine import TableFacts, decide

__all__ = ["DEFAULT", "STRATEGIES", "PolicyDocument", "TableFacts", "decide", "from_yaml", "to_yaml"]
