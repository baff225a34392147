"""Tracked runs from the pipeline's side: the outcome a local run adds to its run, and `vtx runs` tables."""
