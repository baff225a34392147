"""Builders shared by the test suites: pipeline runs and what they leave behind, served models, request traffic."""
