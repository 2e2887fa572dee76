"""People: profiles (with a visibility per field), photos, bookmarks ("bewaard") and the
groups overview."""
