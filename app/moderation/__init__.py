"""Moderation: the review queue, reports and the decisions with their log."""
