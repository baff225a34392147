"""The model's serving contract, in one place: the signatures a pushed SavedModel carries, its output names, and
the routes and port of the serving container.

modules/ builds these signatures (it cannot import pipeline/, so a unit test holds its names to these);
serving, batch prediction, monitoring, the Evaluator and the Vertex AI pusher read them from here.
"""

# One input per raw feature (a [batch] tensor each; NaN or "" for a missing value): what JSON clients call.
RAW_SIGNATURE = "serving_raw"
# The signature TF Serving calls, and so a prebuilt Vertex AI prediction container: a request cannot name another.
DEFAULT_SIGNATURE = "serving_default"
# Serialized tf.Example in: what the Evaluator calls. It is DEFAULT_SIGNATURE itself, unless DEFAULT_SIGNATURE
# takes raw features (for a prebuilt serving container), when the model carries it as EXAMPLES_SIGNATURE too.
EXAMPLES_SIGNATURE = "serving_examples"
# Serialized tf.Example in, the transformed features (label included) out: TFMA's preprocessing function.
TRANSFORM_SIGNATURE = "transform_features"

# The Trainer's custom_config key saying what DEFAULT_SIGNATURE takes, and its two values.
DEFAULT_INPUTS_KEY = "serving_default_inputs"
DEFAULT_TAKES_EXAMPLES = "examples"
DEFAULT_TAKES_RAW = "raw"
DEFAULT_INPUTS = (DEFAULT_TAKES_EXAMPLES, DEFAULT_TAKES_RAW)


def evaluated_signature(default_inputs: str) -> str:
    """The signature that takes serialized tf.Example in a model whose DEFAULT_SIGNATURE takes `default_inputs`."""
    if default_inputs not in DEFAULT_INPUTS:
        raise ValueError(f"serving_default takes one of {', '.join(DEFAULT_INPUTS)}, not {default_inputs!r}")
    return DEFAULT_SIGNATURE if default_inputs == DEFAULT_TAKES_EXAMPLES else EXAMPLES_SIGNATURE


# The outputs of RAW_SIGNATURE and the examples signature, per row.
CLASSES = "classes"  # the predicted class name: CLASS_NAMES at the argmax of PROBABILITIES (batch reads the index)
PROBABILITIES = "probabilities"  # one probability per class, in the order of CLASS_NAMES
CLASS_NAMES = "class_names"  # every class name, the same for every row
OUTPUTS = (CLASSES, PROBABILITIES, CLASS_NAMES)

# `vtx serve` as a Vertex AI custom serving container: where Vertex AI sends predictions and health checks.
# The pusher names them in the model's container spec, so Vertex AI hands them back as AIP_PREDICT_ROUTE,
# AIP_HEALTH_ROUTE and AIP_HTTP_PORT, which the server honours whatever they say.
CONTAINER_PREDICT_ROUTE = "/predict"
CONTAINER_HEALTH_ROUTE = "/ready"
CONTAINER_PORT = 8080
