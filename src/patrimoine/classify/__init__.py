"""Sensitive-data detection: label a column from a sample of its values, with the evidence for each label."""

from patrimoine.classify.classifier import Classification, Finding, classify_column
from patrimoine.classify.labels import ALL_LABELS

__all__ = ["ALL_LABELS", "Classification", "Finding", "classify_column"]
