"""The test suites; a regular package so that `tests.builders` wins over IPython's `tests` on sys.path."""
