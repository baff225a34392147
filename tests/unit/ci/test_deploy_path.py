"""Unit tests of the deploy path decision: change lists, renames, a real git history, and the new-branch push."""

import importlib.util
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from pipeline.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / ".ci" / "deploy_path.py"
_spec = importlib.util.spec_from_file_location("deploy_path", SCRIPT)
assert _spec is not None and _spec.loader is not None
deploy_path = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deploy_path)
decide, parse_changes = deploy_path.decide, deploy_path.parse_changes

pytestmark = pytest.mark.unit

ZEROS = "0" * 40


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ([], "none"),
        (["README.md"], "none"),
        (["tests/unit/pipeline/test_cli.py", ".github/workflows/ci.yml", "Makefile", ".ci/run"], "none"),
        (["modules/model.py"], "modules"),
        (["modules/schema.pbtxt", "data/penguins.csv"], "modules"),
        (["data/penguins.csv", "README.md"], "modules"),
        (["pipeline/cli.py"], "full"),
        (["components/vertex_pusher.py"], "full"),
        (["Dockerfile"], "full"),
        ([".dockerignore"], "full"),
        (["pyproject.toml"], "full"),
        (["uv.lock"], "full"),
        (["cloudbuild.yaml"], "full"),
        # Full wins over modules, in any order.
        (["modules/model.py", "uv.lock", "data/penguins.csv"], "full"),
        # Documentation never deploys, even inside a deployed folder.
        (["data/README.md", "modules/NOTES.md"], "none"),
        # Only the top-level files and folders count, by their whole name.
        (["docs/Dockerfile", "pipelines/x.py", "modules_old/model.py", "tests/data/penguins.csv"], "none"),
        (["./modules/model.py"], "modules"),
    ],
)
def test_decide(changed: List[str], expected: str):
    assert decide(changed) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        # Moving a file out of components/ changes the image even though its new home deploys nothing.
        ("R100\tcomponents/old_step.py\tdocs/old_step.py\n", "full"),
        ("R087\tmodules/hparams.py\tmodules/search_space.py\n", "modules"),
        ("R100\tnotes/model.py\tmodules/model.py\nM\tREADME.md\n", "modules"),
        ("C075\tmodules/model.py\tscripts/model_copy.py\n", "modules"),
        ("D\tpipeline/legacy.py\n", "full"),
        ("M\tREADME.md\nA\ttests/unit/test_new.py\n", "none"),
    ],
)
def test_name_status_lines_count_both_sides_of_a_rename(status: str, expected: str):
    assert decide(parse_changes(status)) == expected


def test_parse_changes_reads_plain_nul_separated_and_crlf_lists():
    assert parse_changes("modules/model.py\0pipeline/cli.py\0") == ["modules/model.py", "pipeline/cli.py"]
    assert parse_changes("README.md\r\n\r\nuv.lock\r\n") == ["README.md", "uv.lock"]
    assert parse_changes("R100\ta.py\tb.py") == ["a.py", "b.py"]


def test_main_prints_only_the_decision_and_writes_the_github_output(tmp_path, monkeypatch, capsys):
    listing = tmp_path / "changed.txt"
    listing.write_text("modules/model.py\nREADME.md\n")
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    assert deploy_path.main(["--files", str(listing)]) == 0

    captured = capsys.readouterr()
    assert captured.out == "modules\n"
    assert "modules/model.py" in captured.err
    assert output.read_text() == "earlier=1\npath=modules\nwait=true\nrelease=true\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--event", "push"], "path=modules\nwait=true\nrelease=true\n"),
        (["--event", "workflow_dispatch", "--wait-input", "false"], "path=modules\nwait=false\nrelease=false\n"),
        (["--event", "workflow_dispatch", "--wait-input", "true"], "path=modules\nwait=true\nrelease=true\n"),
    ],
    ids=["push-waits-and-releases", "manual-without-wait", "manual-with-wait"],
)
def test_the_release_jobs_follow_a_deploy_whose_pipeline_job_is_followed(tmp_path, monkeypatch, argv, expected):
    listing = tmp_path / "changed.txt"
    listing.write_text("modules/model.py\n")
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    deploy_path.main(["--files", str(listing), *argv])
    assert output.read_text() == expected


def test_nothing_deployed_releases_nothing_and_a_chosen_path_reads_no_diff(tmp_path, monkeypatch, capsys):
    listing = tmp_path / "changed.txt"
    listing.write_text("README.md\n")
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    deploy_path.main(["--files", str(listing), "--event", "push"])
    assert output.read_text() == "path=none\nwait=true\nrelease=false\n"
    assert deploy_path.main(["--chosen", "full", "--event", "workflow_dispatch", "--wait-input", "true"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "full"
    assert output.read_text().splitlines()[-3:] == ["path=full", "wait=true", "release=true"]


def test_main_reads_stdin(monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("M\tuv.lock\nM\tmodules/model.py\n"))

    deploy_path.main(["--files", "-"])

    assert capsys.readouterr().out == "full\n"


def test_base_and_files_are_exclusive_and_one_is_required(capsys):
    with pytest.raises(SystemExit) as neither:
        deploy_path.main([])
    with pytest.raises(SystemExit) as both:
        deploy_path.main(["--base", "abc", "--files", "-"])

    assert neither.value.code == both.value.code == 2


# ---------------------------------------------------------------- a real git history


def _git_env(home: Path) -> Dict[str, str]:
    environ = {name: value for name, value in os.environ.items() if not name.startswith(("GIT_", "GITHUB_"))}
    environ.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    return environ


class Repo:
    """A throwaway git repository whose commits are named after what they change."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir()
        self.env = _git_env(root.parent)
        self.git("init", "--quiet")
        self.commits: Dict[str, str] = {}

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def commit(self, name: str, files: Dict[str, str]) -> str:
        for path, text in files.items():
            (self.root / path).parent.mkdir(parents=True, exist_ok=True)
            (self.root / path).write_text(text)
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", name)
        self.commits[name] = self.git("rev-parse", "HEAD")
        return self.commits[name]

    def deploy_path(self, *args: str) -> subprocess.CompletedProcess:
        """The script as CI runs it: a bare interpreter (-S: no site-packages), so only the stdlib is there."""
        environ = dict(self.env, GITHUB_OUTPUT=str(self.root.parent / "out"))
        command = [sys.executable, "-S", str(SCRIPT), *args]
        return subprocess.run(command, cwd=self.root, env=environ, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("history") / "repo")
    repo.commit("initial", {"README.md": "a\n", "modules/model.py": "a\n", "pipeline/legacy.py": "a\n"})
    repo.commit("model", {"modules/model.py": "b\n"})
    repo.commit("readme", {"README.md": "b\n", "tests/test_x.py": "b\n"})
    (repo.root / "scripts").mkdir()
    repo.git("mv", "pipeline/legacy.py", "scripts/legacy.py")
    repo.commit("move out of pipeline", {})
    return repo


@pytest.mark.parametrize(
    ("base", "head", "expected"),
    [
        ("initial", "model", "modules"),
        ("model", "readme", "none"),
        ("initial", "readme", "modules"),
        # A rename out of pipeline/: --no-renames keeps the old path, so the image is rebuilt.
        ("readme", "move out of pipeline", "full"),
    ],
)
def test_base_and_head_diff_a_real_history(repo, base, head, expected):
    result = repo.deploy_path("--base", repo.commits[base], "--head", repo.commits[head])

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{expected}\n"
    assert (repo.root.parent / "out").read_text().splitlines()[-3] == f"path={expected}"


def test_a_new_branch_push_has_an_all_zeros_base_and_deploys_everything(repo):
    result = repo.deploy_path("--base", ZEROS, "--head", repo.commits["readme"])

    assert result.returncode == 0, result.stderr
    assert result.stdout == "full\n"
    assert "no base commit" in result.stderr


def test_an_empty_base_deploys_everything(repo):
    result = repo.deploy_path("--base", "", "--head", repo.commits["readme"])

    assert result.stdout == "full\n"
    assert "no base commit" in result.stderr


def test_a_base_missing_from_the_clone_deploys_everything_and_says_why(repo):
    missing = "1234567890abcdef1234567890abcdef12345678"
    result = repo.deploy_path("--base", missing, "--head", repo.commits["readme"])

    assert result.returncode == 0, result.stderr
    assert result.stdout == "full\n"
    assert f"base commit {missing} is not in this clone" in result.stderr


def _tree(root: Path) -> Path:
    """modules/ as a checkout has it, plus a nested file, a file with no suffix and Python's caches."""
    shutil.copytree(PROJECT_ROOT / "modules", root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "runtime" / "deep" / "deeper").mkdir(parents=True)
    (root / "runtime" / "deep" / "deeper" / "LICENSE").write_text("é, and bytes\0 too")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "model.cpython-310.pyc").write_bytes(b"\0\1")
    return root


def test_the_upload_address_is_the_one_vtx_compile_puts_in_the_spec(tmp_path):
    """The script cannot import pipeline/ (it runs outside the image), so its copy is held equal here."""
    from pipeline.config import content_address

    tree = _tree(tmp_path / "modules")
    for path in (PROJECT_ROOT / "modules", PROJECT_ROOT / "modules" / "schema.pbtxt", tree, tree / "model.py"):
        assert deploy_path.content_address(path) == content_address.address(path), path
    (tree / "model.py").write_text("changed")
    assert deploy_path.content_address(tree) == content_address.address(tree)
    assert (deploy_path.NOT_SHIPPED, deploy_path.ADDRESS_LENGTH) == (
        content_address.NOT_SHIPPED,
        content_address.LENGTH,
    )


def test_address_prints_only_the_address_and_a_missing_path_is_one_line(tmp_path, capsys):
    from pipeline.config import content_address

    assert deploy_path.main(["--address", str(PROJECT_ROOT / "modules")]) == 0
    assert capsys.readouterr().out == content_address.address(PROJECT_ROOT / "modules") + "\n"
    assert deploy_path.main(["--address", str(tmp_path / "gone")]) == 2
    captured = capsys.readouterr()
    assert (
        captured.out == ""
        and captured.err == f"deploy path: {tmp_path / 'gone'} does not exist, so it has no content address\n"
    )


def test_the_script_runs_on_a_bare_python_with_no_project_on_its_path(tmp_path):
    done = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), "--address", "modules"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    from pipeline.config import content_address

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == content_address.address(PROJECT_ROOT / "modules")
