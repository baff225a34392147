#!/bin/sh
# The image's entry point: `vtx ...` (or any command found on the PATH) runs as given, so
# `docker run IMAGE vtx batch-predict ...` and a Cloud Run job whose args are `vtx batch-predict ...` work;
# anything else (Dataflow starts its SDK workers with flags such as --id=...) goes to Beam's boot, as before.
set -e
case "${1:-}" in
    -*|"") exec "${BEAM_BOOT:-/opt/apache/beam/boot}" "$@" ;;
    *) exec "$@" ;;
esac
