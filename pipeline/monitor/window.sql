-- The requests logged in one time window, oldest first: the same text for BigQuery and DuckDB.
-- {table} is the quoted table name and {model_version} the column naming the served version (NULL where the
-- table has none); @start and @end are query parameters (DuckDB spells them $start and $end).
-- request_payload is a string in `vtx serve`'s table and an array of strings in a Vertex AI endpoint's.
SELECT
  logging_time,
  deployed_model_id,
  {model_version} AS model_version,
  request_payload
FROM {table}
WHERE logging_time >= @start AND logging_time < @end
ORDER BY logging_time, request_id
