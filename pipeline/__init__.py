"""vertex-tfx pipeline: typed settings, the DAG factory, runners and the vtx CLI."""

import os

# TFT only works with Keras 2; this must be set before TensorFlow is imported.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
