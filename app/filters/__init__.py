"""Categories and filter groups of a theme, inherited by its subthemes."""
