"""`vtx batch-predict`: predictions for every CSV or JSONL file under a folder or gs:// prefix, crash-safe."""
