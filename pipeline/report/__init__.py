"""`vtx report`: one self-contained HTML page about a pipeline run, read from ML Metadata and its artifacts."""
