"""create_pipeline(config): the one 10-node TFX DAG for every target."""

from typing import Any, List

import tensorflow_model_analysis as tfma

# Specific imports, not `tfx.v1`: that one also loads the Google Cloud extensions (~10 s).
from tfx.components import Evaluator, Pusher, SchemaGen, StatisticsGen, Trainer, Transform, Tuner
from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec
from tfx.dsl.components.common.resolver import Resolver
from tfx.orchestration import metadata, pipeline
from tfx.proto import example_gen_pb2, pusher_pb2, trainer_pb2
from tfx.types import Channel, standard_artifacts

from components import baseline_resolver, csv_example_gen, validation_gate
from components.curated_schema import CuratedSchema
from pipeline import fingerprint
from pipeline.config import PipelineConfig


def _eval_config(config: PipelineConfig) -> tfma.EvalConfig:
    evaluation = config.evaluation
    threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": evaluation.accuracy_threshold}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -evaluation.max_accuracy_drop},
        ),
    )
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(
                signature_name="serving_default",
                label_key=evaluation.label_key,
                prediction_key=evaluation.prediction_key,
                preprocessing_function_names=["transform_features"],
            )
        ],
        slicing_specs=[tfma.SlicingSpec()]
        + [tfma.SlicingSpec(feature_keys=[feature]) for feature in evaluation.slice_features],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(class_name="ExampleCount"),
                    tfma.MetricConfig(
                        class_name="SparseCategoricalAccuracy",
                        config='{"name": "accuracy"}',
                        # Blessing is decided on the whole eval split; slices are reported, not
                        # gated, as a slice of ten penguins would make the verdict a coin toss.
                        per_slice_thresholds=[
                            tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=threshold)
                        ],
                    ),
                ]
            )
        ],
    )


def _schema_node(config: PipelineConfig, statistics: Channel):
    """The schema in force: the reviewed file when configured, else inferred from statistics."""
    if config.schema_path:
        return CuratedSchema(
            schema_file=config.schema_path,
            fingerprint=fingerprint.file_fingerprint(config.schema_path),
        ).with_id("SchemaGen")
    return SchemaGen(statistics=statistics, infer_feature_shape=False)


def create_pipeline(config: PipelineConfig) -> pipeline.Pipeline:
    """Builds CsvExampleGen -> ... -> Pusher from `config` alone."""
    modules = config.modules
    example_gen = FileBasedExampleGen(
        input_base=config.data_root,
        # Only the CSV files: a data folder may hold a README or a schema too.
        input_config=example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name="single_split", pattern="*.csv")]),
        output_config=example_gen_pb2.Output(
            split_config=example_gen_pb2.SplitConfig(
                splits=[
                    example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=config.split.train_buckets),
                    example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=config.split.eval_buckets),
                ]
            )
        ),
        custom_executor_spec=executor_spec.BeamExecutorSpec(csv_example_gen.Executor),
    ).with_id("CsvExampleGen")
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = _schema_node(config, statistics_gen.outputs["statistics"])
    example_validator = validation_gate.GatedExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"]
    ).with_id("ExampleValidator")
    transform = Transform(
        examples=example_gen.outputs["examples"],
        schema=schema_gen.outputs["schema"],
        preprocessing_fn=modules.preprocessing_fn,
        # StatisticsGen already describes the data; TFDV over transformed data and the
        # analyzer cache would double Transform's time for no reader.
        disable_statistics=True,
        disable_analyzer_cache=True,
        custom_config={"code_fingerprint": fingerprint.code_fingerprint(modules.package_dir, modules.preprocessing_fn)},
    )
    # Transform only runs once validation has passed.
    transform.add_upstream_node(example_validator)
    nodes: List = [example_gen, statistics_gen, schema_gen, example_validator, transform]

    hyperparameters = None
    if config.tuning.enabled:
        tuner = Tuner(
            tuner_fn=modules.tuner_fn,
            examples=transform.outputs["transformed_examples"],
            transform_graph=transform.outputs["transform_graph"],
            train_args=trainer_pb2.TrainArgs(num_steps=config.tuning.train_steps),
            eval_args=trainer_pb2.EvalArgs(num_steps=config.training.eval_steps),
            custom_config={
                "max_trials": config.tuning.trials,
                "code_fingerprint": fingerprint.code_fingerprint(modules.package_dir, modules.tuner_fn),
            },
        )
        nodes.append(tuner)
        hyperparameters = tuner.outputs["best_hyperparameters"]

    trainer = Trainer(
        run_fn=modules.run_fn,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        hyperparameters=hyperparameters,
        train_args=trainer_pb2.TrainArgs(num_steps=config.training.train_steps),
        eval_args=trainer_pb2.EvalArgs(num_steps=config.training.eval_steps),
        custom_config={"code_fingerprint": fingerprint.code_fingerprint(modules.package_dir, modules.run_fn)},
    )
    resolver = Resolver(
        strategy_class=baseline_resolver.LatestBlessedBaselineStrategy,
        model=Channel(type=standard_artifacts.Model),
        model_blessing=Channel(type=standard_artifacts.ModelBlessing),
        candidate=trainer.outputs["model"],
    ).with_id("Resolver")
    evaluator = Evaluator(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline_model=resolver.outputs["model"],
        schema=schema_gen.outputs["schema"],
        eval_config=_eval_config(config),
        example_splits=["eval"],
    )
    pusher = Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        push_destination=pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=config.serving_dir)
        ),
    )
    nodes += [trainer, resolver, evaluator, pusher]
    return pipeline.Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=config.pipeline_root,
        components=nodes,
        enable_cache=config.enable_cache,
        metadata_connection_config=metadata.sqlite_metadata_connection_config(config.metadata_path),
        beam_pipeline_args=list[Any](config.beam_args()),
    )
