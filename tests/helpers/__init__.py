"""Helpers shared by the test suites: reading what pipeline runs leave behind."""
