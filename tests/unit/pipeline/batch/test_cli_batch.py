"""`vtx batch-predict` as a command: plain progress lines and a summary, exit codes, and a run killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

VTX = str(Path(sys.executable).parent / "vtx")
HEADER = "island,bill_length_mm,row"


def test_a_run_prints_a_line_per_file_and_a_summary(vtx, output_root, write_inputs, tmp_path):
    source = write_inputs({"a.csv": f"{HEADER}\nBiscoe,46.1,1\nDream,oops,2\n", "b.csv": "no,columns\n1,2\n"})
    done = vtx(
        "batch-predict",
        "--input",
        str(source),
        "--to",
        str(tmp_path / "out"),
        "--set",
        f"output_root={output_root}",
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        f"Batch prediction: 2 files under {source}, model version 1700000000 (production): "
        f"{output_root / 'serving_model' / 'penguins' / '1700000000'}"
    )
    assert lines[1].startswith("[1/2] a.csv: 1 rows predicted, 1 malformed rows to errors/ -> ")
    assert lines[2] == "[2/2] b.csv: unreadable, left in place: its header has no column bill_length_mm, island " + (
        "(the model's inputs: bill_length_mm, island)"
    )
    assert lines[3].startswith("Batch prediction with model version 1700000000 (production): 2 files in ")
    assert lines[4] == "  predicted 1, predicted before 0, unreadable or failed 1 (left in place)"
    assert lines[5].endswith(f"1 malformed rows written to {tmp_path / 'out'}/errors/")
    assert done.stderr == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "canary"], "Error: no version 'canary' in "),
        (["--to", "IN/sub"], "Error: --input IN and --to IN/sub overlap; use two separate places"),
        (["--to", None, "--output", "OUT"], "Error: --output OUT names the output_root, as in every command; give"),
        (["--input", "s3://bucket/in"], "Error: s3://bucket/in: only local folders and gs:// prefixes are supported"),
        (["--after", "shred"], "Error: Invalid value for '--after'"),
        (["--input", "IN/missing"], "Error: input IN/missing is not a folder (or does not exist)"),
        (["--set", "batch.chunk_bytes=10"], "Error: bad configuration: 'batch.chunk_bytes': Input should be greater"),
    ],
)
def test_bad_arguments_are_one_line_and_status_2(vtx, output_root, write_inputs, tmp_path, args, message):
    source = write_inputs({"a.csv": f"{HEADER}\nBiscoe,46.1,1\n"})
    argv = {"--input": str(source), "--to": str(tmp_path / "out"), "--model": "production"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        if value is None:
            del argv[key]
        else:
            argv[key] = value.replace("IN", str(source))
    flat = [part for pair in argv.items() for part in pair]
    done = vtx("batch-predict", *flat, "--set", f"output_root={output_root}")
    assert done.returncode == 2
    assert message.replace("IN", str(source)) in done.stderr.splitlines()[-1]
    assert (source / "a.csv").exists()


def _outputs(out: Path):
    return [p for p in out.glob("*.csv")]


def test_a_run_killed_mid_way_then_run_again_leaves_exactly_one_output_per_input(output_root, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    rows, files = 2000, 24
    for i in range(files):
        lines = [HEADER] + [f"{'Biscoe' if j % 3 else 'Dream'},{30 + (i + j) % 25}.5,{i}-{j}" for j in range(rows)]
        (source / f"part-{i:02d}.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTX_")}
    command = [
        VTX,
        "batch-predict",
        "--input",
        str(source),
        "--to",
        str(out),
        "--set",
        f"output_root={output_root}",
    ]
    command += ["--set", "batch.chunk_bytes=16384", "--batch-size", "256"]
    for kill_after in (2, 6):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while len(_outputs(out)) < kill_after and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed; give it more files"
    # The killed runs left some inputs predicted, maybe one half-written temp file, and the rest untouched.
    assert 6 <= len(_outputs(out)) < files
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = sorted(_outputs(out))
    inputs = sorted((source / "processed").glob("*.csv"))
    assert [p.name for p in outputs] == [p.name for p in inputs]
    assert [p.name.split(".")[0] for p in inputs] == [f"part-{i:02d}" for i in range(files)]
    assert list(source.glob("*.csv")) == []
    for output in outputs:
        lines = output.read_text().splitlines()
        assert len(lines) == rows + 1, output.name
        part = output.name.split(".")[0].split("-")[1]
        assert [line.split(",")[2].strip('"') for line in lines[1:]] == [f"{int(part)}-{j}" for j in range(rows)]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in outputs)  # no temp file left behind


def test_the_old_destination_flag_says_the_new_one_and_output_is_the_output_root(
    vtx, output_root, write_inputs, tmp_path
):
    source = write_inputs({"a.csv": f"{HEADER}\nBiscoe,46.1,1\n"})

    old = vtx("batch-predict", "--input", str(source), "--output", str(tmp_path / "out"))
    new = vtx("batch-predict", "--input", str(source), "--to", str(tmp_path / "out"), "--output", str(output_root))

    assert old.returncode == 2
    assert old.stderr.splitlines() == [
        f"Error: --output {tmp_path / 'out'} names the output_root, as in every command; give the predictions' "
        f"destination with --to (--to {tmp_path / 'out'} is what --output meant before)"
    ]
    assert new.returncode == 0, new.stderr
    assert len(list((tmp_path / "out").glob("a.*.csv"))) == 1
