#!/bin/sh
# The image's entry point: `vtx ...` (or any command found on the PATH) runs as given, so
# `docker run IMAGE vtx batch-predict ...` and a Cloud Run job whose args are `vtx batch-predict ...` work;
# anything else (Dataflow starts its SDK workers with flags such as --id=...) goes to Beam's boot, as before.
# Boot starts from /, not the image's WORKDIR (/pipeline): `python -m` puts the working directory first on
# sys.path, where the image's modules/ would shadow the newer modules a modules-only deploy stages.
set -e
case "${1:-}" in
    -*|"") cd / && exec "${BEAM_BOOT:-/opt/apache/beam/boot}" "$@" ;;
    *) exec "$@" ;;
esac
