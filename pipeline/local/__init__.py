"""`vtx run` on this machine: preflight checks, the thin LocalDagRunner runner, progress lines, logs and the summary."""
