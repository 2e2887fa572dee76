"""mail feature package."""
