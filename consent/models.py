"""Purposes, privacy notices, consent records and data-subject requests (issue: consent)."""
