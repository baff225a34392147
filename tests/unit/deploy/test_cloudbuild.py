"""Unit tests of cloudbuild.yaml: its step scripts run in order against stub docker, gcloud and make, for each path."""

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

import pytest
import yaml

from pipeline.config import PROJECT_ROOT, content_address
from pipeline.config.loader import load_config

pytestmark = pytest.mark.unit

CLOUDBUILD = yaml.safe_load((PROJECT_ROOT / "cloudbuild.yaml").read_text())
SHA = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "sha256:" + "ab" * 32
IMAGE = "europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx"
# What a trigger or deploy.yml supplies; everything else keeps the defaults in cloudbuild.yaml.
GIVEN = {
    "PROJECT_ID": "my-proj-1",
    "COMMIT_SHA": SHA,
    "_REGION": "europe-west4",
    "_REPOSITORY": "vtx",
    "_PIPELINE_BUCKET": "my-bucket-1",
    "_DATA_ROOT": "gs://my-bucket-1/data",
}
# Each stub logs its command line; make also keeps the VTX_* environment it ran with; gcloud answers a digest.
STUB = f"""#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$CALLS"
if [ "$(basename "$0")" = make ]; then env | grep '^VTX_' | sort > "$CALLS.$1.env"; fi
if [ "$(basename "$0")" = gcloud ] && [ "$3" = images ]; then echo "{DIGEST}"; fi
"""


class Build(NamedTuple):
    failed_step: Optional[str]
    output: str
    calls: List[str]
    workspace: Path

    def called(self, prefix: str) -> List[str]:
        return [call for call in self.calls if call.startswith(prefix)]

    def make_env(self, target: str) -> Dict[str, str]:
        lines = (self.workspace / f"calls.{target}.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines)


def _substitute(text: str, values: Dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda match: values.get(match.group(1), ""), text)


def run_build(tmp_path: Path, **overrides: str) -> Build:
    """Runs every step in file order, as Cloud Build would with automapSubstitutions, until one fails."""
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name in ("docker", "gcloud", "make"):
        (stubs / name).write_text(STUB)
        (stubs / name).chmod(0o755)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    # The checkout the build runs in: what the upload step reads.
    shutil.copytree(PROJECT_ROOT / "modules", workspace / "modules", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / ".ci", workspace / ".ci")
    values = {**CLOUDBUILD["substitutions"], **GIVEN, **overrides}
    output = ""
    for step in CLOUDBUILD["steps"]:
        environ = {"PATH": f"{stubs}:{os.environ['PATH']}", "HOME": str(tmp_path), "CALLS": str(workspace / "calls")}
        environ.update(values)
        environ.update(entry.split("=", 1) for entry in (_substitute(e, values) for e in step.get("env", [])))
        script = tmp_path / f"{step['id']}.sh"
        script.write_text(step["script"])
        done = subprocess.run(["bash", str(script)], cwd=workspace, env=environ, capture_output=True, text=True)
        output += done.stdout + done.stderr
        if done.returncode != 0:
            return Build(step["id"], output, _calls(workspace), workspace)
    return Build(None, output, _calls(workspace), workspace)


def vertex_flags(modules_uri: str) -> List[str]:
    """The settings the compile step's flags give, with its environment: the image and the modules store."""
    return [f"vertex.image={IMAGE}@{DIGEST}", f"vertex.modules_uri={modules_uri}"]


def _calls(workspace: Path) -> List[str]:
    log = workspace / "calls"
    return log.read_text().splitlines() if log.exists() else []


def test_every_step_waits_only_for_steps_before_it():
    seen: List[str] = []
    for step in CLOUDBUILD["steps"]:
        assert set(step.get("waitFor", [])) <= set(seen), step["id"]
        seen.append(step["id"])


def test_full_tests_then_builds_pushes_compiles_against_the_new_image_and_submits(tmp_path):
    build = run_build(tmp_path, _DEPLOY_PATH="full")

    assert build.failed_step is None, build.output
    assert build.called("make test") == ["make test BROWSER=no"]
    assert build.called("docker build") == [
        f"docker build --cache-from {IMAGE}:latest --build-arg BUILDKIT_INLINE_CACHE=1 "
        f"--tag {IMAGE}:{SHA} --tag {IMAGE}:latest ."
    ]
    assert build.called("docker push") == [f"docker push --quiet {IMAGE}:{SHA}", f"docker push --quiet {IMAGE}:latest"]
    assert build.calls.index("make test BROWSER=no") < build.calls.index(f"docker push --quiet {IMAGE}:{SHA}")
    assert not [call for call in build.called("gcloud storage rsync") if " modules " in call]
    assert build.called("gcloud artifacts docker images describe") == [
        f"gcloud artifacts docker images describe {IMAGE}:{SHA} --format=value(image_summary.digest)"
    ]
    (compile_call,) = build.called("make compile")
    assert f"--set vertex.image={IMAGE}@{DIGEST}" in compile_call
    assert "--modules-uri" not in compile_call
    (submit_call,) = build.called("make submit")
    assert "--spec outputs/vertex/pipeline.json" in submit_call and "--wait" not in submit_call


def test_modules_uploads_to_the_content_addresses_the_compile_names_without_building(tmp_path):
    build = run_build(tmp_path, _DEPLOY_PATH="modules")

    assert build.failed_step is None, build.output
    assert build.called("make test") == ["make test BROWSER=no"]
    assert build.called("docker") == []
    store = "gs://my-bucket-1/modules"
    config = load_config("vertex", None, vertex_flags(store + "/"), build.make_env("compile"))
    modules, schema = config.modules_location(), config.runtime_path(config.schema_path)
    assert modules == f"{store}/{content_address.address(PROJECT_ROOT / 'modules')}/"
    assert build.called("gcloud storage rsync --recursive --delete-unmatched-destination-objects") == [
        f"gcloud storage rsync --recursive --delete-unmatched-destination-objects "
        f"--exclude=(^|.*/)__pycache__/.* modules {modules}",
        "gcloud storage rsync --recursive --delete-unmatched-destination-objects data gs://my-bucket-1/data",
    ]
    assert build.called("gcloud storage cp") == [f"gcloud storage cp modules/schema.pbtxt {schema}"]
    # The commit names no folder: a rebuild of the same files uploads to the same places.
    assert SHA not in " ".join(build.called("gcloud storage"))
    assert build.called("gcloud artifacts")[0].startswith(f"gcloud artifacts docker images describe {IMAGE}:latest ")
    (compile_call,) = build.called("make compile")
    assert f"--set vertex.image={IMAGE}@{DIGEST}" in compile_call
    assert f"--modules-uri {store}/" in compile_call and SHA not in compile_call


def test_a_modules_deploy_can_name_the_image_tag_to_run_on(tmp_path):
    build = run_build(tmp_path, _DEPLOY_PATH="modules", _IMAGE_TAG="0123abc")

    assert build.called("gcloud artifacts")[0].startswith(f"gcloud artifacts docker images describe {IMAGE}:0123abc ")


def test_wait_follows_the_job_and_sync_data_false_leaves_the_data_root_alone(tmp_path):
    build = run_build(tmp_path, _DEPLOY_PATH="full", _WAIT="true", _SYNC_DATA="false")

    assert build.failed_step is None, build.output
    assert build.called("make submit")[0].endswith(" --wait")
    assert build.called("gcloud storage") == []


def test_the_settings_cloud_build_gives_vtx_are_valid(tmp_path):
    build = run_build(tmp_path, _DEPLOY_PATH="modules")
    environ = build.make_env("compile")
    assert environ == build.make_env("submit")

    config = load_config("vertex", None, vertex_flags("gs://my-bucket-1/modules/"), environ)

    assert config.data_root == "gs://my-bucket-1/data"
    assert config.vertex is not None
    assert (config.vertex.project, config.vertex.region) == ("my-proj-1", "europe-west4")
    assert config.vertex.pipeline_root == "gs://my-bucket-1/pipeline-root"
    assert config.vertex.service_account is None
    assert config.vertex.neptune.token_secret is None


def _make_plan(call: str) -> str:
    """The commands `make` would run for a logged `make TARGET VAR=... ARGS=...` call, every target forced."""
    target, *words = call.split()[1:]
    variables = [word for word in words if re.match(r"^[A-Z_]+=", word) and not word.startswith("ARGS=")]
    done = subprocess.run(
        ["make", "-n", "-B", target, *variables], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("path", ["full", "modules"])
def test_no_step_installs_a_browser(tmp_path, path):
    build = run_build(tmp_path, _DEPLOY_PATH=path)
    makes = build.called("make ")

    assert {call.split()[1] for call in makes} == {"test", "compile", "submit"}
    for call in makes:
        assert "chromium" not in _make_plan(call), call
    for step in CLOUDBUILD["steps"]:
        assert "chromium" not in step["script"] and "apt-get" not in step["script"], step["id"]
    # What a developer's `make setup` and `make test` do install it: the check above can fail.
    assert "apt-get install -y -qq chromium chromium-driver" in _make_plan("make setup")
    assert "apt-get install -y -qq chromium chromium-driver" in _make_plan("make test")


@pytest.mark.parametrize("path", ["none", "", "everything"])
def test_an_unknown_path_stops_the_build_before_anything_runs(tmp_path, path):
    build = run_build(tmp_path, _DEPLOY_PATH=path)

    assert build.failed_step == "check"
    assert "_DEPLOY_PATH must be full or modules" in build.output
    assert build.calls == []


def test_missing_required_substitutions_are_named(tmp_path):
    build = run_build(tmp_path, COMMIT_SHA="", _DATA_ROOT="")

    assert build.failed_step == "check"
    assert "Set these substitutions: COMMIT_SHA _DATA_ROOT" in build.output
