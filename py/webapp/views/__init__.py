"""The explanation views and their pieces (the step view, the player, the grids)."""
