"""`vtx serve`: a local prediction server with Vertex AI's predict contract, logging every request to DuckDB."""
