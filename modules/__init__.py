"""The data scientist's code: features, preprocessing, the model, its knobs and the schema; plumbing is in runtime/."""

import os

# TFT only works with Keras 2; this must be set before TensorFlow is imported.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
