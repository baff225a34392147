"""The test suites; a regular package so that `tests.helpers` wins over IPython's `tests` on sys.path."""
