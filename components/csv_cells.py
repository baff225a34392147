"""How a CSV cell is read, shared by the pipeline's CSV reader and the checks that run before it (no heavy imports)."""

# Cells that mean "no value": empty, or NA as R and pandas write it.
MISSING_TOKENS = frozenset({b"", b"NA"})


def is_missing(cell: str) -> bool:
    return cell.encode() in MISSING_TOKENS
