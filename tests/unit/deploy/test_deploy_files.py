"""Unit tests of the deploy files: the linters `make lint` runs, and the facts about them no linter checks."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit

BIN = Path(sys.executable).parent
WORKFLOWS = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()


def _run(*command: Any, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=120)


def _workflow(name: str) -> Dict[str, Any]:
    workflow = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def _steps(workflow: Dict[str, Any], job: str) -> List[Dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


# ---------------------------------------------------------------- the linters


def test_dockerfile_passes_hadolint():
    result = _run(BIN / "hadolint", "Dockerfile")

    assert result.returncode == 0, result.stdout + result.stderr


def test_cloudbuild_matches_cloud_builds_schema():
    result = _run(BIN / "check-jsonschema", "--builtin-schema", "vendor.cloudbuild", "cloudbuild.yaml")

    assert result.returncode == 0, result.stdout + result.stderr


def _actionlint(*paths: Path) -> subprocess.CompletedProcess:
    """actionlint with shellcheck, both from the dev group's wheels, exactly as `make lint` runs them."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "$(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck -pyflakes= .github/workflows/*.yml" in makefile
    return _run(BIN / "actionlint", "-oneline", "-shellcheck", BIN / "shellcheck", "-pyflakes=", *paths)


def test_workflows_pass_actionlint_and_shellcheck():
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "deploy.yml"}

    result = _actionlint(*WORKFLOWS)

    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_workflow_and_shell_mistakes(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      A: ${{ vars.A }}\n"
        "    steps:\n      - run: echo ${{ varz.B }}\n"
        "      - uses: actions/checkout@v5\n        with:\n          credentials: x\n"
        "      - run: for f in $(ls *.csv); do echo $f; done\n"
    )

    result = _actionlint(broken)

    assert result.returncode == 1
    assert 'undefined variable "vars"' not in result.stdout
    assert 'undefined variable "varz"' in result.stdout
    assert 'input "credentials" is not defined' in result.stdout
    assert "shellcheck reported issue in this script: SC2045" in result.stdout


# ---------------------------------------------------------------- the image


def test_the_base_image_is_the_tfx_release_pyproject_pins():
    pin = re.search(r'"tfx(?:\[[^\]]*\])?==([^"]+)"', (PROJECT_ROOT / "pyproject.toml").read_text())
    base = re.search(r"^FROM gcr\.io/tfx-oss-public/tfx:(\S+)$", DOCKERFILE, re.MULTILINE)

    assert pin and base
    assert base.group(1) == pin.group(1)


def test_the_image_uses_the_makefiles_uv_and_the_profiles_code_root():
    makefile_uv = re.search(r"^UV_VERSION := (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), re.MULTILINE)
    profile = yaml.safe_load((PROJECT_ROOT / "pipeline" / "config" / "profiles" / "vertex.yaml").read_text())

    assert makefile_uv and f"ARG UV_VERSION={makefile_uv.group(1)}\n" in DOCKERFILE
    assert f"WORKDIR {profile['vertex']['code_root']}\n" in DOCKERFILE
    assert "TF_USE_LEGACY_KERAS=1" in DOCKERFILE


def test_the_image_keeps_the_beam_entrypoint_dataflow_needs():
    instructions = [line.split()[0] for line in DOCKERFILE.splitlines() if line and not line[0].isspace()]

    # pipeline/entrypoint.sh hands Dataflow's flags to Beam's boot (tests/unit/deploy/test_entrypoint.py).
    assert instructions.count("ENTRYPOINT") == 1
    assert DOCKERFILE.rstrip().endswith('ENTRYPOINT ["/bin/sh", "/pipeline/pipeline/entrypoint.sh"]')
    assert "CMD" not in instructions


def test_the_serving_container_command_is_the_images_own_vtx():
    """The pusher's container runs `vtx serve`: the image puts the locked venv's `vtx` on the PATH and runs it once."""
    from pipeline.config import load_config
    from pipeline.dag.serving_container import container_spec

    vertex = ["vertex.project=my-project", "vertex.region=europe-west4", "vertex.image=img:1"]
    settings = vertex + ["vertex.pipeline_root=gs://bucket/root", "data_root=gs://bucket/data"]
    spec = container_spec(load_config(profile="vertex", overrides=settings, environ={}))
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()

    assert spec["command"][0] == "vtx" and re.search(r'^vtx = "pipeline\.cli:main"$', pyproject, re.MULTILINE)
    assert re.search(r"^\s*PATH=/opt/venv/bin:\$PATH", DOCKERFILE, re.MULTILINE)
    assert "&& vtx --help > /dev/null" in DOCKERFILE


def test_the_build_context_holds_the_code_and_nothing_else(tmp_path):
    from docker.utils.build import exclude_paths  # docker-py applies .dockerignore as the Docker CLI does.

    wanted = [
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "pipeline/cli/__init__.py",
        "pipeline/config/profiles/vertex.yaml",
        "components/vertex_pusher.py",
        "modules/model.py",
        "modules/schema.pbtxt",
    ]
    unwanted = [
        "modules/__pycache__/model.cpython-310.pyc",
        "tests/unit/test_x.py",
        ".venv/bin/python",
        "outputs/vertex/pipeline.json",
        ".git/HEAD",
        "vtx.local.yaml",
        "data/penguins.csv",
        ".github/workflows/ci.yml",
        ".ci/run",
        "cloudbuild.yaml",
    ]
    for name in wanted + unwanted:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    ignore = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]

    sent = {path for path in exclude_paths(str(tmp_path), patterns) if (tmp_path / path).is_file()}
    context = sent - {"Dockerfile", ".dockerignore"}

    assert context == set(wanted)


# ---------------------------------------------------------------- the workflows


def test_ci_runs_the_make_targets_on_python_3_10_and_needs_no_node():
    ci = _workflow("ci.yml")
    steps = _steps(ci, "check")
    uses = {step.get("uses", "").split("@")[0]: step for step in steps}

    assert set(ci["on"]) == {"pull_request", "push"}
    assert ci["jobs"]["check"]["strategy"]["matrix"]["target"] == ["lint", "test"]
    assert steps[-1]["run"] == "make ${{ matrix.target }}"
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.10"
    assert "actions/setup-node" not in uses
    assert uses["actions/cache"]["with"]["path"] == "~/.cache/uv"


def test_deploy_decides_with_the_stdlib_script_on_the_full_history():
    deploy = _workflow("deploy.yml")
    checkout, decide = _steps(deploy, "decide")

    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["on"]["workflow_dispatch"]["inputs"]["path"]["options"] == ["full", "modules", "auto"]
    assert deploy["on"]["workflow_dispatch"]["inputs"]["wait"]["type"] == "boolean"
    assert checkout["with"]["fetch-depth"] == 0
    assert "python3 .ci/deploy_path.py --base" in decide["run"]
    assert deploy["jobs"]["deploy"]["if"] == "needs.decide.outputs.path != 'none'"


def test_deploy_authenticates_with_workload_identity_federation_and_no_key():
    deploy = _workflow("deploy.yml")
    job = deploy["jobs"]["deploy"]
    auth = [step for step in job["steps"] if step.get("uses", "").startswith("google-github-actions/auth@")]

    assert len(auth) == 1
    assert set(auth[0]["with"]) == {"project_id", "workload_identity_provider", "service_account"}
    assert job["env"]["GCP_WORKLOAD_IDENTITY_PROVIDER"] == "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert deploy["permissions"] == {"contents": "read"}
    assert "permissions" not in deploy["jobs"]["decide"]
    for path in WORKFLOWS:
        assert "credentials_json" not in path.read_text(), path.name
    assert "secrets." not in (PROJECT_ROOT / ".github" / "workflows" / "deploy.yml").read_text()


def test_deploy_passes_cloud_build_only_substitutions_it_declares():
    deploy = _workflow("deploy.yml")
    run = "\n".join(step.get("run", "") for step in _steps(deploy, "deploy"))
    cloudbuild = yaml.safe_load((PROJECT_ROOT / "cloudbuild.yaml").read_text())

    passed = set(re.findall(r"\b(_[A-Z_]+)=", run))

    assert "gcloud builds submit . " in run and "--config cloudbuild.yaml" in run
    assert "COMMIT_SHA=$GITHUB_SHA" in run
    assert passed <= set(cloudbuild["substitutions"])
    assert {"_DEPLOY_PATH", "_REGION", "_REPOSITORY", "_PIPELINE_BUCKET", "_DATA_ROOT"} <= passed
