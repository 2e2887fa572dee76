"""Categories and filter groups of a theme — filled in by the board issue."""
