"""A top-level theme's complete archive (exit with all data): export to a zip, import from one."""
