"""Test-wide setup: TFT needs Keras 2, chosen before any test imports TensorFlow."""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
