"""Posts, replies and stars (the board) — filled in by the board issue."""
