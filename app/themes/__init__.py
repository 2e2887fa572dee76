"""themes feature package."""
