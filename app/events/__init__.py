"""Events ("Agenda"): items of kind EVENT with a time, a place, attendees and calendar files."""
