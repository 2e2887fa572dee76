"""Moderation queue, reports and decisions — filled in by the moderation issue."""
