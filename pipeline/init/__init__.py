"""`vtx init`: describes a new CSV dataset (dataset.yaml) and drafts its reviewed schema, from the data."""
