"""Names of the run-context variables the runner sets for executors: they share VTX_ but are not settings."""

# modules/runtime/tracking.py reads them and keeps its own copy (modules/ cannot import pipeline/);
# tests/unit/modules/runtime/test_runtime_tracking.py checks that the two agree.
RUN_ID_ENV = "VTX_PIPELINE_RUN_ID"
GIT_COMMIT_ENV = "VTX_GIT_COMMIT"
DATA_FINGERPRINT_ENV = "VTX_DATA_FINGERPRINT"
RUN_CONTEXT_ENV = frozenset({RUN_ID_ENV, GIT_COMMIT_ENV, DATA_FINGERPRINT_ENV})
