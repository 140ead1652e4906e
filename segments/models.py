"""Segment definitions, rule language and membership (issue: segmentation)."""
