"""Full-text search inside the database, in the same SELECT as the one visibility policy."""
