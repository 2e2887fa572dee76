"""organisations feature package."""
