"""The beam section: runner names, flags checked by Beam's own parser with one line naming the flag, URI joins."""

import pytest

from pipeline.config.loader import ConfigError, load_config
from pipeline.config.uri import join_uri

pytestmark = pytest.mark.unit


def local(*overrides: str, **environ: str):
    return load_config(overrides=list(overrides), environ=environ)


def refusal(*overrides: str) -> str:
    with pytest.raises(ConfigError) as caught:
        local(*overrides)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "runner, beam_name",
    [
        ("direct", None),
        ("dataflow", "DataflowRunner"),
        ("portable", "PortableRunner"),
        ("flink", "FlinkRunner"),
        ("FlinkRunner", "FlinkRunner"),
        ("spark", "SparkRunner"),
        ("SparkRunner", "SparkRunner"),
    ],
)
def test_each_runner_by_our_name_or_beams(runner, beam_name):
    args = local(f"beam.runner={runner}").beam_args()

    assert args[:1] == ([f"--runner={beam_name}"] if beam_name else ["--pickle_library=cloudpickle"])


def test_the_runner_comes_from_the_environment_and_extra_args_follow_it():
    config = local("beam.extra_args=[--flink_master=127.0.0.1:8081, --parallelism=2]", VTX_BEAM__RUNNER="flink")

    assert config.beam_args() == [
        "--runner=FlinkRunner",
        "--job_server_timeout=86400",
        "--flink_master=127.0.0.1:8081",
        "--parallelism=2",
    ]


def test_one_flag_as_a_plain_string_is_a_list_of_one():
    assert local("beam.runner=portable", "beam.extra_args=--job_endpoint=127.0.0.1:8099").beam_args() == [
        "--runner=PortableRunner",
        "--job_server_timeout=86400",
        "--job_endpoint=127.0.0.1:8099",
    ]


def test_a_job_longer_than_a_minute_does_not_time_out_on_the_portable_runners_unless_asked():
    from apache_beam.options.pipeline_options import PipelineOptions, PortableOptions

    args = local("beam.runner=portable", "beam.extra_args=[--job_server_timeout=120]").beam_args()

    assert local("beam.runner=dataflow").beam_args() == ["--runner=DataflowRunner"]
    assert PipelineOptions(args).view_as(PortableOptions).job_server_timeout == 120


@pytest.mark.parametrize(
    "override, message",
    [
        ("beam.runner=dask", "'beam.runner': Input should be 'direct', 'dataflow', 'portable', 'flink' or 'spark'"),
        ("beam.extra_args=[--no_such_flag=1]", "'beam.extra_args': Value error, Beam has no flag --no_such_flag"),
        ("beam.extra_args=[--max_num_workers=lots]", "argument --max_num_workers: invalid int value: 'lots'"),
        ("beam.extra_args=[--direct_running_mode=fast]", "argument --direct_running_mode: invalid choice: 'fast'"),
        ("beam.extra_args=[job_endpoint]", "'job_endpoint' is not a --flag=value"),
        ("beam.extra_args=[--runner=FlinkRunner]", "--runner is beam.runner's to set"),
        ("beam.extra=[]", "unknown key 'beam.extra'"),
    ],
)
def test_a_bad_runner_or_flag_is_one_line_naming_it(override, message):
    assert message in refusal(override)


def test_the_direct_runner_pickles_with_cloudpickle_its_workers_import_the_plugin_and_no_flag_is_a_default():
    assert local().beam_args() == ["--pickle_library=cloudpickle"]
    assert local("beam.direct_num_workers=2", "beam.direct_running_mode=multi_processing").beam_args() == [
        "--pickle_library=cloudpickle",
        "--direct_num_workers=2",
        "--direct_running_mode=multi_processing",
        "--beam_plugins=components.beam_worker",
    ]


@pytest.mark.parametrize(
    "base, parts, joined",
    [
        ("gs://my-bucket/vtx", ("tfx",), "gs://my-bucket/vtx/tfx"),
        ("gs://my-bucket/vtx/", ("tfx",), "gs://my-bucket/vtx/tfx"),
        ("gs://my-bucket", ("a/", "/b.txt"), "gs://my-bucket/a/b.txt"),
        ("/data/out", ("tfx",), "/data/out/tfx"),
    ],
)
def test_uris_are_joined_without_collapsing_the_double_slash(base, parts, joined):
    assert join_uri(base, *parts) == joined


def test_a_gcs_output_root_keeps_its_scheme_in_every_derived_location():
    config = local("output_root=gs://my-bucket/vtx")

    assert config.pipeline_root == "gs://my-bucket/vtx/tfx"
    assert config.serving_dir == "gs://my-bucket/vtx/serving_model/penguins"


def test_remote_runners_keep_beams_own_pickler_and_extra_args_can_choose_another_for_the_direct_runner():
    assert not any("pickle_library" in arg for arg in local("beam.runner=portable").beam_args())
    args = local("beam.extra_args=[--pickle_library=dill]").beam_args()
    assert args[-1] == "--pickle_library=dill"  # Beam takes a repeated flag's last value


@pytest.mark.parametrize(
    "overrides, forks",
    [
        ((), False),
        (("beam.direct_running_mode=multi_processing",), True),
        (("beam.direct_running_mode=multi_threading", "beam.direct_num_workers=2"), False),
        (("beam.runner=portable", "beam.direct_running_mode=multi_processing"), False),
        (("beam.extra_args=--direct_running_mode=multi_processing",), True),
        (("beam.direct_running_mode=multi_processing", "beam.extra_args=--direct_running_mode=in_memory"), False),
    ],
)
def test_only_the_direct_runners_worker_processes_are_forked_as_beam_reads_the_flags(overrides, forks):
    from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions

    from components import forked_workers
    from components.direct_beam import runs_remotely

    args = local(*overrides).beam_args()
    assert forked_workers.forks(args) is forks
    beams_reading = PipelineOptions(args).view_as(DirectOptions).direct_running_mode == "multi_processing"
    assert (beams_reading and not runs_remotely(args)) is forks, "Beam's own parser reads the same flags alike"
