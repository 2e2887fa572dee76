"""Tasks: a state (new, in progress, done), assignees and a due date, on a board per theme."""
