"""The Vertex AI target: compile the DAG into a pipeline job spec, and submit and follow the job."""
