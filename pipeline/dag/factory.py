"""create_pipeline(config): the one 10-node TFX DAG for every target."""

import json
from typing import Any, List

# Specific imports, not `tfx.v1`: that one also loads the Google Cloud extensions (~10 s).
from tfx.components import Evaluator, Pusher, SchemaGen, StatisticsGen, Trainer, Transform, Tuner
from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec
from tfx.dsl.components.common.resolver import Resolver
from tfx.orchestration import metadata as tfx_metadata
from tfx.orchestration import pipeline as tfx_pipeline
from tfx.proto import example_gen_pb2, pusher_pb2, trainer_pb2, tuner_pb2
from tfx.types import Channel, standard_artifacts

from components import csv_example_gen, eval_policy, executors, extend, local_pusher, validation_gate
from components.curated_schema import CuratedSchema
from pipeline.config import PipelineConfig
from pipeline.dag import fingerprint, serving_container, targets
from pipeline.dag.eval_config import eval_config
from pipeline.dag.parameters import RunParameters, run_parameters


def _example_gen(config: PipelineConfig, params: RunParameters) -> FileBasedExampleGen:
    split = config.split
    return FileBasedExampleGen(
        input_base=params.data_root,  # type: ignore[arg-type] # a RuntimeParameter is what TFX resolves here
        # Only the CSV files: a data folder may hold a README or a schema too.
        input_config=example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name="single_split", pattern="*.csv")]),
        output_config=example_gen_pb2.Output(
            split_config=example_gen_pb2.SplitConfig(
                splits=[
                    example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=split.train_buckets),
                    example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=split.eval_buckets),
                ],
                # Our CSV reader splits by this column's value, or by each row's place when it is empty.
                partition_feature_name=config.dataset.split_key or "",
            )
        ),
        custom_executor_spec=executor_spec.BeamExecutorSpec(csv_example_gen.Executor),
    ).with_id("CsvExampleGen")


def _schema_node(config: PipelineConfig, statistics: Channel):
    """The schema in force: the reviewed file when configured, else inferred from statistics."""
    if config.schema_path:
        return CuratedSchema(
            schema_file=config.runtime_path(config.schema_path),
            fingerprint=fingerprint.file_fingerprint(config.schema_path),
        ).with_id("SchemaGen")
    return SchemaGen(statistics=statistics, infer_feature_shape=False)


def _tuner(config: PipelineConfig, params: RunParameters, transform: Transform) -> Tuner:
    job = targets.tuner_job(config)
    custom_config = {**targets.user_code_config(config, config.modules.tuner_fn, tracked=True), **(job or {})}
    tuner = Tuner(
        tuner_fn=config.modules.tuner_fn,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        train_args=trainer_pb2.TrainArgs(num_steps=config.tuning.train_steps),
        eval_args=trainer_pb2.EvalArgs(num_steps=config.training.eval_steps),
        tune_args=tuner_pb2.TuneArgs(num_parallel_trials=config.vertex.tuning.parallel_trials)
        if job and config.vertex
        else None,
        custom_config=custom_config,
    )
    extend.add_parameters(tuner, **{executors.MAX_TRIALS: params.tuner_trials})
    if job:
        from components.vertex import executors as vertex_executors

        return extend.with_executor(tuner, vertex_executors.VertexTunerExecutor)
    return extend.with_executor(tuner, executors.TunerExecutor)


def _trainer(config: PipelineConfig, params: RunParameters, transform: Transform, schema: Channel, tuner) -> Trainer:
    job = targets.trainer_job(config)
    trainer = Trainer(
        run_fn=config.modules.run_fn,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema,
        hyperparameters=tuner.outputs["best_hyperparameters"] if tuner else None,
        # The train_steps and eval_steps parameters below replace these at run time.
        train_args=trainer_pb2.TrainArgs(num_steps=config.training.train_steps),
        eval_args=trainer_pb2.EvalArgs(num_steps=config.training.eval_steps),
        custom_config={
            **targets.user_code_config(config, config.modules.run_fn, tracked=True),
            **targets.export_config(config),
            **(job or {}),
        },
    )
    extend.add_parameters(
        trainer, **{executors.TRAIN_STEPS: params.train_steps, executors.EVAL_STEPS: params.eval_steps}
    )
    if job:
        from components.vertex import executors as vertex_executors

        return extend.with_executor(trainer, vertex_executors.VertexTrainerExecutor)
    return extend.with_executor(trainer, executors.TrainerExecutor)


def _pusher(config: PipelineConfig, trainer: Trainer, evaluator: Evaluator):
    if not config.vertex:
        pusher = Pusher(
            model=trainer.outputs["model"],
            model_blessing=evaluator.outputs["blessing"],
            push_destination=pusher_pb2.PushDestination(
                filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=config.serving_dir)
            ),
        )
        return extend.with_executor(pusher, local_pusher.PusherExecutor)
    from components.vertex.pusher import VertexPusher

    vertex, push = config.vertex, config.vertex.pusher
    first = next(iter(config.release.stages))
    stage = config.release.stage(first)
    return VertexPusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        evaluation=evaluator.outputs["evaluation"],
        project=vertex.project,
        region=vertex.region,
        model_display_name=push.model_display_name,
        serving_container=json.dumps(serving_container.container_spec(config), sort_keys=True),
        stage=first,
        endpoint_display_name=config.release.endpoint_display_name(first, config.pipeline_name),
        machine_type=stage.machine_type,
        min_replicas=stage.min_replicas,
        max_replicas=stage.max_replicas,
        traffic_percentage=stage.traffic_percentage,
        # Smoke tests are not users' traffic: only production's endpoint logs requests (vtx promote sets it).
        request_logging=0,
        logging_sampling_rate=push.request_logging.sampling_rate,
        logging_bigquery_table="",
        labels=json.dumps({"pipeline": config.pipeline_name, **vertex.labels}, sort_keys=True),
        # Vertex AI Pipelines replaces this placeholder with the pipeline job's name.
        pipeline_run_id="{{$.pipeline_job_name}}",
        service_account=vertex.service_account or "",
        api_endpoint=vertex.api_endpoint or "",
    ).with_id("Pusher")


def _policy(config: PipelineConfig) -> eval_policy.Policy:
    evaluation = config.evaluation
    return eval_policy.Policy(
        label_column=config.label_column,
        standard_errors=evaluation.standard_errors,
        beat_most_common_class=evaluation.beat_most_common_class,
        dataset=targets.dataset_definition(config),
        pipeline=config.pipeline_name,
    )


def create_pipeline(config: PipelineConfig) -> tfx_pipeline.Pipeline:
    """Builds CsvExampleGen -> ... -> Pusher from `config` alone."""
    params = run_parameters(config)
    example_gen = _example_gen(config, params)
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
    extend.with_executor(statistics_gen, executors.StatisticsGenExecutor)
    schema_gen = _schema_node(config, statistics_gen.outputs["statistics"])
    example_validator = validation_gate.GatedExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"]
    ).with_id("ExampleValidator")
    volume = {"min_rows": config.validation.min_rows, "max_missing": config.validation.max_missing}
    extend.add_parameters(example_validator, **{validation_gate.VOLUME: json.dumps(volume, sort_keys=True)})
    numeric = json.dumps(config.dataset.features.numeric)
    extend.add_parameters(example_validator, **{validation_gate.NUMERIC_COLUMNS: numeric})
    transform = Transform(
        examples=example_gen.outputs["examples"],
        schema=schema_gen.outputs["schema"],
        preprocessing_fn=config.modules.preprocessing_fn,
        # StatisticsGen already describes the data; TFDV over transformed data and the
        # analyzer cache would double Transform's time for no reader.
        disable_statistics=True,
        disable_analyzer_cache=True,
        # TFT's graph mode traces preprocessing_fn once into one graph instead of into several tf.functions:
        # the same transformed examples and transform graph outputs, a fifth less of Transform's CPU time.
        force_tf_compat_v1=True,
        custom_config=targets.user_code_config(config, config.modules.preprocessing_fn),
    )
    extend.with_executor(transform, executors.TransformExecutor)
    # Transform only runs once validation has passed.
    transform.add_upstream_node(example_validator)
    nodes: List = [example_gen, statistics_gen, schema_gen, example_validator, transform]

    tuner = _tuner(config, params, transform) if config.tuning.enabled else None
    nodes += [tuner] if tuner else []
    trainer = _trainer(config, params, transform, schema_gen.outputs["schema"], tuner)
    resolver = Resolver(
        model=Channel(type=standard_artifacts.Model),
        model_blessing=Channel(type=standard_artifacts.ModelBlessing),
        **targets.resolver_inputs(config, trainer.outputs["model"]),
    ).with_id("Resolver")
    evaluator = Evaluator(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline_model=resolver.outputs["model"],
        schema=schema_gen.outputs["schema"],
        eval_config=eval_config(config),
        example_splits=["eval"],
    )
    extend.add_parameters(evaluator, **{executors.ACCURACY_THRESHOLD: params.accuracy_threshold})
    extend.add_parameters(evaluator, **{eval_policy.POLICY: _policy(config).to_json()})
    extend.with_executor(evaluator, executors.EvaluatorExecutor)
    nodes += [trainer, resolver, evaluator, _pusher(config, trainer, evaluator)]
    return tfx_pipeline.Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=config.pipeline_root,
        components=nodes,
        enable_cache=config.enable_cache,
        metadata_connection_config=None
        if config.vertex
        else tfx_metadata.sqlite_metadata_connection_config(config.metadata_path),
        beam_pipeline_args=list[Any](config.beam_args()),
    )
