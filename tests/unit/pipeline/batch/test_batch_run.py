"""BatchRun on local folders: outputs with predictions, errors/, inputs moved only after outputs, idempotent."""

import csv
import io
import json
from pathlib import Path

import pytest

from pipeline.batch import run
from pipeline.batch.locations import LocationError
from pipeline.batch.predictor import Predictor
from pipeline.batch.progress import Progress
from pipeline.registry.local import LocalRegistry
from tests.unit.pipeline.batch.conftest import CLASSES, VERSION, expected

pytestmark = pytest.mark.unit

CSV = "island,bill_length_mm,note\nBiscoe,46.1,a\nDream,39.1,b\nTorgersen,,c\nDream,long,d\nx\nTorgersen,NA,e\n"


@pytest.fixture
def predictor(output_root: Path) -> Predictor:
    registry = LocalRegistry(str(output_root / "serving_model" / "penguins"), str(output_root / "metadata.sqlite"))
    return Predictor(registry.resolve("production"), batch_size=2)


def batch(predictor, source: Path, dest: Path, after: str = "move", chunk_bytes: int = 1 << 20):
    job = run.Job(str(source), str(dest), after, chunk_bytes)
    console = io.StringIO()
    runner = run.BatchRun(job, predictor, lambda total: Progress(total, console, tty=False))
    with run.workdir() as work:
        return runner.run(runner.inputs(), work), console.getvalue()


def files(root: Path):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_each_input_gets_one_output_with_its_rows_and_the_models_predictions(predictor, write_inputs, tmp_path):
    source = write_inputs({"a.csv": CSV})
    results, console = batch(predictor, source, tmp_path / "out")
    [result] = results
    crc = result.output.rsplit(".", 2)[1]
    assert (result.status, result.rows, result.errors) == ("predicted", 4, 2)
    assert files(tmp_path / "out") == [f"a.{crc}.csv", f"errors/a.{crc}.errors.jsonl"]
    rows = list(csv.DictReader((tmp_path / "out" / f"a.{crc}.csv").open()))
    assert [r["note"] for r in rows] == ["a", "b", "c", "e"]
    assert list(rows[0])[:3] == ["island", "bill_length_mm", "note"]
    for row in rows:
        length = float(row["bill_length_mm"]) if row["bill_length_mm"] not in ("", "NA") else float("nan")
        probabilities = [float(row[f"probability_{c}"]) for c in CLASSES]
        assert probabilities == pytest.approx(expected(length, row["island"]), abs=1e-6)
        assert row["predicted_class"] == CLASSES[probabilities.index(max(probabilities))]
        assert row["model_version"] == VERSION and row["predicted_at"].endswith("Z")
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors" / f"a.{crc}.errors.jsonl").open()]
    assert [(e["line"], e["reason"]) for e in errors] == [
        (5, "bill_length_mm: 'long' is not a number"),
        (6, "1 fields where the header has 3"),
    ]
    assert files(source) == [f"processed/a.{crc}.csv"]
    assert console.startswith("[1/1] a.csv: 4 rows predicted, 2 malformed rows to errors/ -> ")


def test_jsonl_inputs_get_jsonl_outputs_and_delete_removes_the_input(predictor, write_inputs, tmp_path):
    source = write_inputs({"day/b.jsonl": '{"island": "Biscoe", "bill_length_mm": 40, "id": 1}\n'})
    [result] = batch(predictor, source, tmp_path / "out", after="delete")[0]
    assert result.status == "predicted" and result.disposal == "input deleted"
    [output] = (tmp_path / "out" / "day").glob("b.*.jsonl")
    [record] = [json.loads(line) for line in output.open()]
    assert record["id"] == 1 and record["predicted_class"] == "Gentoo"
    assert list(record["probabilities"].values()) == pytest.approx(expected(40.0, "Biscoe"), abs=1e-6)
    assert files(source) == []


def test_a_rerun_predicts_nothing_twice_and_a_new_file_under_an_old_name_gets_its_own_output(
    predictor, write_inputs, tmp_path
):
    source = write_inputs({"a.csv": CSV})
    batch(predictor, source, tmp_path / "out")
    outputs = files(tmp_path / "out")
    assert batch(predictor, source, tmp_path / "out")[0] == []
    write_inputs({"a.csv": CSV.replace("46.1", "47.0")})
    [result] = batch(predictor, source, tmp_path / "out")[0]
    assert result.status == "predicted"
    assert len(files(tmp_path / "out")) == len(outputs) + 2
    assert len(files(source)) == 2  # both versions kept under processed/


def test_an_input_whose_output_exists_is_only_moved(predictor, write_inputs, tmp_path):
    """A run killed between publishing an output and moving its input: the re-run finishes the move."""
    source = write_inputs({"a.csv": CSV})
    batch(predictor, source, tmp_path / "out")
    [processed] = (source / "processed").iterdir()
    processed.rename(source / "a.csv")
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*") if p.is_file()}
    [result] = batch(predictor, source, tmp_path / "out")[0]
    assert result.status == "done before" and result.disposal == "input moved to processed/"
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*") if p.is_file()} == before
    assert files(source) == [f"processed/{processed.name}"]


def test_inputs_are_moved_only_after_their_outputs_are_published(predictor, write_inputs, tmp_path, monkeypatch):
    source = write_inputs({f"f{i}.csv": CSV for i in range(3)})
    events = []
    from pipeline.batch.locations import LocalFolder

    publish, move = LocalFolder.publish, LocalFolder.move
    monkeypatch.setattr(LocalFolder, "publish", lambda self, s, n: events.append(("publish", n)) or publish(self, s, n))
    monkeypatch.setattr(LocalFolder, "move", lambda self, i, n: events.append(("move", i.name)) or move(self, i, n))
    batch(predictor, source, tmp_path / "out")
    for i in range(3):
        done = [k for k, (what, name) in enumerate(events) if what == "publish" and name.startswith(f"f{i}.")]
        moved = events.index(("move", f"f{i}.csv"))
        assert done and done[0] < moved


def test_an_unreadable_file_is_reported_and_left_in_place(predictor, write_inputs, tmp_path):
    source = write_inputs({"bad.csv": "species,year\nAdelie,2007\n", "junk.jsonl": "nope\nstill no\n", "ok.csv": CSV})
    results, console = batch(predictor, source, tmp_path / "out")
    by_name = {r.name: r for r in results}
    assert by_name["bad.csv"].status == "unreadable"
    assert by_name["bad.csv"].reason.startswith("its header has no column ")
    assert by_name["junk.jsonl"].reason == "none of its 2 rows is readable; line 1: not JSON (Expecting value)"
    assert by_name["ok.csv"].status == "predicted"
    assert sorted(files(source))[:2] == ["bad.csv", "junk.jsonl"]
    assert not [f for f in files(tmp_path / "out") if f.startswith(("bad", "junk", "errors/bad", "errors/junk"))]


def test_a_failed_write_publishes_nothing_and_keeps_the_input(predictor, write_inputs, tmp_path, monkeypatch):
    source = write_inputs({"a.csv": CSV})
    from pipeline.batch import writers

    def disk_full(self, chunk, predictions):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers.CsvOutput, "write", disk_full)
    [result] = batch(predictor, source, tmp_path / "out")[0]
    assert result.status == "failed" and "No space left on device" in result.reason
    assert files(tmp_path / "out") == [] and files(source) == ["a.csv"]


def test_temp_files_of_killed_runs_are_removed_and_live_ones_kept(tmp_path):
    from pipeline.batch.locations import LocalFolder

    (tmp_path / "sub").mkdir()
    dead = tmp_path / "sub" / ".a.1.csv.vtx-999999999.tmp"
    live = tmp_path / ".b.csv.vtx-1.tmp"  # pid 1 is always alive
    dead.write_text("partial")
    live.write_text("partial")
    assert LocalFolder(tmp_path).clean_stale() == 1
    assert not dead.exists() and live.exists()


@pytest.mark.parametrize("output", ["in/out", "."])
def test_an_output_inside_the_input_or_around_it_is_refused(tmp_path, output, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LocationError, match="overlap"):
        run.check_apart("in", output)


def test_names_carry_the_content_checksum():
    assert run.names_for("a/b.c.csv", "0badf00d") == (
        "a/b.c.0badf00d.csv",
        "errors/a/b.c.0badf00d.errors.jsonl",
        "processed/a/b.c.0badf00d.csv",
    )
