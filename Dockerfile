# The pipeline image: TFX's own 1.16.0 image plus this package at the versions in uv.lock; every Vertex AI task runs it.
#
# The tag must equal the tfx pin in pyproject.toml (tests/unit/deploy checks it). The base is Google's
# Deep Learning VM image with Python 3.10 in conda (/opt/conda, on the PATH as `python`), TFX 1.16 and
# the Apache Beam SDK worker (/opt/apache/beam) of the Beam release TFX was built with.
FROM gcr.io/tfx-oss-public/tfx:1.16.0

# The base image's ENTRYPOINT is /opt/apache/beam/boot, which Dataflow needs when it starts this image as
# its SDK worker container (--sdk_container_image), with flags (--id=...) as arguments. Our entry point
# (pipeline/entrypoint.sh, set at the end) hands those flags to boot and runs a command such as
# `vtx batch-predict ...` as given, so `docker run IMAGE vtx ...` and Cloud Run jobs work too. No CMD.
# Vertex AI Pipelines and Vertex AI Training always set the container command themselves (`python -m
# tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor`, `python -m tfx.scripts.run_executor`),
# and a command replaces the entrypoint, so those work unchanged.

# The uv release the Makefile uses; it only reads the lock here and is removed afterwards.
ARG UV_VERSION=0.13.9

ENV TF_USE_LEGACY_KERAS=1 \
    PYTHONUNBUFFERED=1

WORKDIR /pipeline

# Dependencies first, so this (large) layer is rebuilt only when pyproject.toml or uv.lock change.
# `uv pip install` adds and replaces what differs from the lock and leaves the rest of the base image's
# environment (conda, CUDA libraries) alone; `uv pip sync` would remove it. --compile-bytecode: every
# Vertex AI task and Dataflow worker is a fresh container that would otherwise compile these modules
# from source on each start (seconds of CPU per TensorFlow import).
COPY pyproject.toml uv.lock ./
RUN python -m pip install --no-cache-dir --disable-pip-version-check --target /tmp/uv "uv==${UV_VERSION}" \
    && /tmp/uv/bin/uv export --frozen --no-dev --no-hashes --no-emit-project --output-file /tmp/requirements.txt \
    && /tmp/uv/bin/uv pip install --system --python "$(command -v python)" --no-cache --compile-bytecode \
        --requirement /tmp/requirements.txt \
    && rm -rf /tmp/uv /tmp/requirements.txt

# The code. Editable, so the one copy at /pipeline is what runs: the compiled spec names files under
# /pipeline (vertex.code_root), and `import pipeline, components, modules` finds the same files from any
# working directory (Dataflow workers, Vertex AI Training). The build backend (setuptools) is in the lock.
COPY . .
RUN python -m pip install --no-cache-dir --disable-pip-version-check --no-deps --no-build-isolation --editable . \
    && python -m pipeline --help > /dev/null \
    && python -c "import components.vertex.executors, modules.model, tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"

ENTRYPOINT ["/bin/sh", "/pipeline/pipeline/entrypoint.sh"]
