"""A Vertex AI endpoint's request-response log for tests: DuckDB as the embedded stand-in of the BigQuery table
(Google's documented columns and types, from pipeline/serving/request_log.py), answered to the real
google-cloud-bigquery client through a stub HTTP session."""

import datetime
import decimal
import itertools
import json
from typing import Any, Dict, List, Optional, Sequence

import duckdb
import requests

from pipeline.serving import request_log

PROJECT = "my-project"
DATASET = "logging_penguins_1234"
TABLE = f"{PROJECT}.{DATASET}.{request_log.TABLE}"
ENDPOINT = f"projects/{PROJECT}/locations/europe-west4/endpoints/1234"
# The query's computed column, which the endpoint's table does not have.
_RESULT_TYPES = {name: (kind, mode) for name, kind, mode in request_log.VERTEX_SCHEMA} | {
    "model_version": ("STRING", "NULLABLE")
}


class VertexLogTable:
    """The endpoint's table in an in-memory DuckDB, under the same project.dataset.table name."""

    def __init__(self) -> None:
        self.connection = duckdb.connect()
        self.connection.execute(f"ATTACH ':memory:' AS \"{PROJECT}\"")
        self.connection.execute(f'CREATE SCHEMA "{PROJECT}".{DATASET}')
        self.quoted = f'"{PROJECT}".{DATASET}.{request_log.TABLE}'
        self.connection.execute(request_log.vertex_duckdb_ddl(self.quoted))
        self._ids = itertools.count(7_000_000_000_000_000_000)

    def columns(self) -> List[tuple]:
        """(name, DuckDB type) of each column, in order."""
        described = self.connection.execute(f"DESCRIBE {self.quoted}").fetchall()
        return [(row[0], row[1]) for row in described]

    def insert(self, when: datetime.datetime, requests_: Sequence[str], responses: Sequence[str], model: str) -> None:
        row = [ENDPOINT, model, when, decimal.Decimal(next(self._ids)), list(requests_), list(responses)]
        placeholders = ", ".join("?" for _ in request_log.VERTEX_SCHEMA)
        self.connection.execute(f"INSERT INTO {self.quoted} VALUES ({placeholders})", row)

    def log_requests(
        self,
        instances: List[Dict[str, object]],
        start: datetime.datetime,
        end: datetime.datetime,
        per_request: int = 3,
        split_instances: bool = False,
        deployed_model_id: str = "5678",
    ) -> int:
        """Requests of `per_request` instances over [start, end): each payload one whole JSON body, or with
        `split_instances` one element per instance (a REPEATED payload may hold either)."""
        batches = [instances[i : i + per_request] for i in range(0, len(instances), per_request)]
        step = (end - start) / max(len(batches), 1)
        for index, batch in enumerate(batches):
            predictions = [{"classes": "Adelie", "probabilities": [1.0, 0.0, 0.0]} for _ in batch]
            if split_instances:
                bodies, answers = [json.dumps(i) for i in batch], [json.dumps(p) for p in predictions]
            else:
                bodies = [json.dumps({"instances": batch})]
                answers = [json.dumps({"predictions": predictions, "deployedModelId": deployed_model_id})]
            self.insert(start + step * index, bodies, answers, deployed_model_id)
        return len(batches)


def as_duckdb(sql: str) -> str:
    """BigQuery's dialect to DuckDB's, for the window query: `quoted` names and @parameters."""
    return sql.replace("`", '"').replace("@start", "$start").replace("@end", "$end")


def timestamp_param(body: dict, name: str) -> datetime.datetime:
    [param] = [p for p in body["queryParameters"] if p["name"] == name]
    assert param["parameterType"] == {"type": "TIMESTAMP"}
    return datetime.datetime.fromisoformat(param["parameterValue"]["value"].replace(" ", "T").removesuffix("Z"))


class StubBigQuery:
    """google-cloud-bigquery's HTTP session, stubbed: records each request; runs the query it gets on the table and
    answers in BigQuery's jobs.query shape, each result column typed as the endpoint's table types it."""

    is_mtls = False

    def __init__(self, table: Optional[VertexLogTable] = None, status: int = 200):
        self.sent: List[dict] = []
        self.status = status
        self.table = table or VertexLogTable()

    def request(self, method, url, data=None, headers=None, timeout=None, **_):
        body = json.loads(data) if data else {}
        self.sent.append({"method": method, "url": url, "body": body})
        if self.status != 200:
            payload = {"error": {"code": self.status, "message": f"Not found: Table {PROJECT}:{DATASET}.x"}}
            return self._response(method, url, payload)
        params = {name: timestamp_param(body, name) for name in ("start", "end")}
        cursor = self.table.connection.execute(as_duckdb(body["query"]), params)
        names = [column[0] for column in cursor.description]
        rows = [{"f": [self._cell(value) for value in row]} for row in cursor.fetchall()]
        fields = [{"name": n, "type": _RESULT_TYPES[n][0], "mode": _RESULT_TYPES[n][1]} for n in names]
        payload = {
            "kind": "bigquery#queryResponse",
            "jobComplete": True,
            "schema": {"fields": fields},
            "rows": rows,
            "totalRows": str(len(rows)),
            "jobReference": {"projectId": PROJECT, "jobId": "job-1", "location": "EU"},
        }
        return self._response(method, url, payload)

    def _cell(self, value: Any) -> Dict[str, Any]:
        if isinstance(value, datetime.datetime):
            return {"v": str(int(value.timestamp() * 1_000_000))}
        if isinstance(value, list):
            return {"v": [{"v": item} for item in value]}
        return {"v": None if value is None else str(value)}

    def _response(self, method, url, payload) -> requests.Response:
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(payload).encode()
        response.headers["content-type"] = "application/json"
        response.request = requests.Request(method, url).prepare()
        return response
