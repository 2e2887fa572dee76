"""Digests: a theme's scheduled overview for its members, and the admins' queue summary."""
