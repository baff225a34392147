"""The Evaluator's TFMA config: accuracy overall (gated) and per slice (reported), loss; AUC for two classes."""

import tensorflow_model_analysis as tfma
from google.protobuf.wrappers_pb2 import BoolValue

from pipeline import contract
from pipeline.config import PipelineConfig
from pipeline.dag.serving_container import default_inputs

# TFMA's name for a SavedModel evaluated through its signatures (tfma.constants.TF_GENERIC).
MODEL_TYPE = "tf_generic"


def eval_config(config: PipelineConfig) -> tfma.EvalConfig:
    """Blesses on overall accuracy (absolute and against the baseline); slices are reported."""
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
                # The exported signatures are what is evaluated, as they are what is served: named, TFMA
                # need not load each model as Keras to find its type (four loads of two models).
                model_type=MODEL_TYPE,
                signature_name=contract.evaluated_signature(default_inputs(config)),
                label_key=evaluation.label_key,
                prediction_key=evaluation.prediction_key,
                preprocessing_function_names=[contract.TRANSFORM_SIGNATURE],
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
                        # gated, as a slice of ten rows would make the verdict a coin toss.
                        per_slice_thresholds=[
                            tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=threshold)
                        ],
                    ),
                    # The model's compiled loss, computed from the predictions (no regularization terms).
                    tfma.MetricConfig(class_name="SparseCategoricalCrossentropy", config='{"name": "loss"}'),
                ]
            )
        ]
        + _auc_spec(config),
        # Every metric is computed from the signature's predictions. TFMA's default metrics (those compiled
        # into a Keras model) would load each model once more per metric combiner: twelve loads of two
        # models, half of the Evaluator's time, for the same accuracy and loss.
        options=tfma.Options(include_default_metrics=BoolValue(value=False)),
    )


# The metric reported for a label of two classes, next to the trivial model's 0.5 (ranking at random).
AUC_METRIC = "auc"


def _auc_spec(config: PipelineConfig) -> list:
    """For two classes named in the dataset definition: the AUC of the second class's probability."""
    if len(config.dataset.classes) != 2:
        return []
    return [
        tfma.MetricsSpec(
            metrics=[tfma.MetricConfig(class_name="AUC", config=f'{{"name": "{AUC_METRIC}"}}')],
            binarize=tfma.BinarizationOptions(class_ids={"values": [1]}),
        )
    ]
