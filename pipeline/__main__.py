"""`python -m pipeline` is the vtx CLI."""

from pipeline.cli import main

main()
