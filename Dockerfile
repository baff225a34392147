# The pipeline image: TFX's own 1.16.0 image with uv.lock's environment in /opt/venv; every Vertex AI task runs it.
#
# The tag must equal the tfx pin in pyproject.toml (tests/unit/deploy checks it). The base is Google's
# Deep Learning VM image with Python 3.10 in conda (/opt/conda, on the PATH as `python`), TFX 1.16 and
# the Apache Beam SDK worker (/opt/apache/beam) of the Beam release TFX was built with. We keep its
# interpreter and Beam's boot, and install our own environment beside conda's.
FROM gcr.io/tfx-oss-public/tfx:1.16.0

# The base image's ENTRYPOINT is /opt/apache/beam/boot, which Dataflow needs when it starts this image as
# its SDK worker container (--sdk_container_image), with flags (--id=...) as arguments. Our entry point
# (pipeline/entrypoint.sh, set at the end) hands those flags to boot and runs a command such as
# `vtx batch-predict ...` as given, so `docker run IMAGE vtx ...` and Cloud Run jobs work too. No CMD.
# Vertex AI Pipelines and Vertex AI Training always set the container command themselves (`python -m
# tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor`, `python -m tfx.scripts.run_executor`),
# and a command replaces the entrypoint, so those work unchanged.

# The uv release the Makefile uses; it stays at /opt/uv (off the PATH) for the second sync below.
ARG UV_VERSION=0.13.9

# The locked environment lives in its own venv, made from the base image's Python 3.10, so the image runs
# exactly uv.lock (the `main` group, no dev tools) and nothing of the base image's conda packages.
# RUN_PYTHON_SDK_IN_DEFAULT_ENVIRONMENT: Beam's boot (2.44+) would otherwise start each Dataflow worker in a
# new venv over the base interpreter's packages, which would hide this one; `python` and `vtx` on the PATH
# are this venv's, for boot, Vertex AI Pipelines and Training alike.
ENV TF_USE_LEGACY_KERAS=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    RUN_PYTHON_SDK_IN_DEFAULT_ENVIRONMENT=1

WORKDIR /pipeline

# Dependencies first, so this (large) layer is rebuilt only when pyproject.toml or uv.lock change.
# --compile-bytecode: every Vertex AI task and Dataflow worker is a fresh container that would otherwise
# compile these modules from source on each start (seconds of CPU per TensorFlow import).
COPY pyproject.toml uv.lock ./
RUN python -m pip install --no-cache-dir --disable-pip-version-check --target /opt/uv "uv==${UV_VERSION}" \
    && /opt/uv/bin/uv venv --python "$(command -v python)" /opt/venv \
    && /opt/uv/bin/uv sync --frozen --no-dev --no-install-project --compile-bytecode --no-cache

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# The code, installed editable into the venv by the same exact sync, so the one copy at /pipeline is what
# runs: the compiled spec names files under /pipeline (vertex.code_root), and `import pipeline, components,
# modules` finds the same files from any working directory (Dataflow workers, Vertex AI Training).
# --no-build-isolation: the build backend is the locked setuptools already in the venv.
COPY . .
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-build-isolation --compile-bytecode --no-cache \
    && python -m pipeline --help > /dev/null \
    && vtx --help > /dev/null \
    && python -c "import components.vertex.executors, modules.model, tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"

ENTRYPOINT ["/bin/sh", "/pipeline/pipeline/entrypoint.sh"]
