"""Full-text search with whoosh, filtered by the one visibility policy."""
