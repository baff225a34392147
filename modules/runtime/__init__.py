"""Plumbing that the entry points in modules/ call: not for editing, your code goes in modules/ itself."""
