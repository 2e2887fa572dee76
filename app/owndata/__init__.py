"""Own data ("Mijn gegevens"): what is kept about you and why, an export of it, and deleting
your account."""
