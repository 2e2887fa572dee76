"""Files and folders of a theme ("Bestanden"): items of kind FOLDER and FILE."""
