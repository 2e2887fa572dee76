"""The wiki: pages in a tree per theme, with their full revision history."""
