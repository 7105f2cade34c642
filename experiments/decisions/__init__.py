"""The best package of policies for a budget: the optimiser (preset, search, front, rendering)."""
