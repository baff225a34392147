"""The Vertex AI side of the DAG: the pusher (Model Registry and endpoint) and the Training launchers."""
