"""The TFX DAG: create_pipeline, what differs per target, runtime parameters, the eval config, code fingerprints."""
