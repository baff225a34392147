"""Batch progress: a tqdm bar with files, rows and rows/s on a terminal; plain lines otherwise; the summary."""

import io

import pytest

from pipeline.batch.progress import FileResult, Progress, summary

pytestmark = pytest.mark.unit


def test_a_terminal_gets_a_bar_with_files_rows_and_rate():
    console = io.StringIO()
    progress = Progress(2, console, tty=True)
    progress.start_file("day/a.csv")
    progress.rows(1500)
    progress.end_file(FileResult("day/a.csv", "predicted", rows=1500, output="out/a.1.csv"))
    progress.start_file("b.csv")
    progress.end_file(FileResult("b.csv", "unreadable", reason="it is empty; a CSV file needs a header line"))
    progress.close()
    text = console.getvalue()
    assert "2/2" in text and "1,500 rows" in text and "rows/s" in text
    assert "b.csv: unreadable, left in place: it is empty" in text


def test_logs_get_one_plain_line_per_file():
    console = io.StringIO()
    progress = Progress(1, console, tty=False)
    progress.start_file("a.csv")
    progress.rows(10)
    result = FileResult("a.csv", "predicted", rows=10, errors=1, output="out/a.1.csv", disposal="input deleted")
    progress.end_file(result)
    assert console.getvalue() == (
        "[1/1] a.csv: 10 rows predicted, 1 malformed rows to errors/ -> out/a.1.csv (0.0 s); input deleted\n"
    )


def test_the_summary_counts_files_rows_and_what_was_left_in_place():
    results = [
        FileResult("a.csv", "predicted", rows=300, errors=2, seconds=0.5),
        FileResult("b.csv", "done before", output="out/b.1.csv", disposal="input moved to processed/"),
        FileResult("c.csv", "failed", reason="OSError: disk full"),
    ]
    text = summary(results, 12.0, "model version 7 (production)", "out/errors/")
    assert text.splitlines() == [
        "Batch prediction with model version 7 (production): 3 files in 12.0 s",
        "  predicted 1, predicted before 1, unreadable or failed 1 (left in place)",
        "  300 rows predicted (600 rows/s once the model was loaded), 2 malformed rows written to out/errors/",
        "  c.csv: failed, left in place: OSError: disk full",
    ]
