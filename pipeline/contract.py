"""The model's serving contract, in one place: the signatures a pushed SavedModel carries and its output names.

modules/ builds these signatures (it cannot import pipeline/, so a unit test holds its names to these);
serving, batch prediction, monitoring and the Evaluator read them from here.
"""

# One input per raw feature (a [batch] tensor each; NaN or "" for a missing value): what JSON clients call.
RAW_SIGNATURE = "serving_raw"
# Serialized tf.Example in: what the Evaluator (and TF Serving's default) calls.
EXAMPLES_SIGNATURE = "serving_default"
# Serialized tf.Example in, the transformed features (label included) out: TFMA's preprocessing function.
TRANSFORM_SIGNATURE = "transform_features"

# The outputs of RAW_SIGNATURE and EXAMPLES_SIGNATURE, per row.
CLASSES = "classes"  # the predicted class name
PROBABILITIES = "probabilities"  # one probability per class, in the order of CLASS_NAMES
CLASS_NAMES = "class_names"  # every class name, the same for every row
OUTPUTS = (CLASSES, PROBABILITIES, CLASS_NAMES)
