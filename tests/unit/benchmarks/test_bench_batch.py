"""Unit tests of benchmarks/bench_batch.py's ceiling: the best batch/limit ratio a machine's cores allow."""

import pytest

pytestmark = pytest.mark.unit


def test_the_ceiling_counts_the_models_cpu_not_its_wall(bench_modules):
    import bench_batch

    # The limit: 4M rows/s (0.25 us a row of wall) on 0.375 us of CPU a row (TensorFlow's threads).
    model = bench_batch.Stage(rate=4e6, cpu_us=0.375)
    read, write = bench_batch.Stage(4e6, 0.25), bench_batch.Stage(3e6, 0.30)
    # Two cores: (0.375 + 0.25 + 0.30) / 2 = 0.4625 us a row at best, against the limit's 0.25.
    assert bench_batch.ceiling(model, read, write, cores=2) == pytest.approx(0.25 / 0.4625)
    # Enough cores and the model alone bounds the batch: the ratio cannot pass 1.
    assert bench_batch.ceiling(model, read, write, cores=8) == 1.0


def test_the_clock_gives_the_wall_rate_and_cpu_a_row_since_it_started(bench_modules, monkeypatch):
    import bench_batch

    walls, cpus = iter([10.0, 10.5]), iter([3.0, 3.8])
    monkeypatch.setattr(bench_batch.time, "perf_counter", lambda: next(walls))
    monkeypatch.setattr(bench_batch.time, "process_time", lambda: next(cpus))
    clock = bench_batch.Clock()
    # 1M rows in 0.5 s of wall and 0.8 s of CPU: 2M rows/s, 0.8 us of CPU a row.
    assert clock.stage(1_000_000) == pytest.approx(bench_batch.Stage(2e6, 0.8))
