"""Discussions (the board): writing, editing and reading posts, replies, stars and attachments."""
