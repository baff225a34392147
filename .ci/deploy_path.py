"""Decides how a push deploys (full, modules or none) from its changed files; stdlib only, runs on a bare python3.

    python3 .ci/deploy_path.py --base BEFORE_SHA --head SHA
    git diff --name-only --no-renames main...HEAD | python3 .ci/deploy_path.py --files -

    python3 .ci/deploy_path.py --chosen full --event workflow_dispatch --wait-input true
    python3 .ci/deploy_path.py --address modules

Prints the decision alone on stdout, the files behind it on stderr, and appends `path=<decision>`,
`wait=<true|false>` and `release=<true|false>` to $GITHUB_OUTPUT when that is set.

- wait: follow the pipeline job to its end. A push always does, so that the release jobs can follow it; a
  manual run does when its `wait` input says so.
- release: run the release jobs (`smoke` on the staging endpoint, then `promote`, behind the production
  environment's reviewers): when something was deployed and its pipeline job was followed to the end.

- full: the image changes (pipeline/, components/, Dockerfile, .dockerignore, pyproject.toml, uv.lock)
  or the build that makes it does (cloudbuild.yaml): build and push the image, compile, submit.
- modules: only the user's code or data changes (modules/, data/): upload modules/, compile against
  the current image, submit. (Every deploy mirrors data/ to the data root; see cloudbuild.yaml.)
- none: nothing a pipeline run sees (README, docs, tests/, .github/, Makefile, ...).

Markdown files are documentation wherever they are, so they never deploy anything.

--address prints the content address a modules deploy uploads a folder or file to (the folder name under
vertex.modules_uri): a copy of pipeline/config/content_address.py, which `vtx compile` names in the spec. This
script runs outside the project's environment, so it cannot import it; tests/unit/ci holds the two equal.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

DESCRIPTION = "Prints how a push deploys: full, modules or none."
FULL, MODULES, NONE = "full", "modules", "none"
FULL_DIRS = frozenset({"pipeline", "components"})
FULL_FILES = frozenset({"Dockerfile", ".dockerignore", "pyproject.toml", "uv.lock", "cloudbuild.yaml"})
MODULES_DIRS = frozenset({"modules", "data"})
# The "before" SHA GitHub sends when a push creates the branch: there is nothing to compare with.
NO_COMMIT = re.compile(r"^0+$")
# Content addresses, as pipeline/config/content_address.py computes them.
NOT_SHIPPED = "__pycache__"
ADDRESS_LENGTH = 16
# A `git diff --name-status` line: status letters (R and C carry a score), then one or two tab-separated paths.
NAME_STATUS = re.compile(r"^[ACDMRTUXB]\d*$")


def classify(path: str) -> str:
    """What one changed file asks for: full, modules or none."""
    path = path.strip().removeprefix("./")
    if not path or path.lower().endswith(".md"):
        return NONE
    top = path.split("/", 1)[0]
    if path in FULL_FILES or top in FULL_DIRS:
        return FULL
    if top in MODULES_DIRS:
        return MODULES
    return NONE


def decide(changed_files: Iterable[str]) -> str:
    """full if any file needs the image rebuilt, else modules if any touches modules/ or data/, else none."""
    kinds = {classify(path) for path in changed_files}
    if FULL in kinds:
        return FULL
    return MODULES if MODULES in kinds else NONE


def parse_changes(text: str) -> List[str]:
    """Paths from `git diff --name-only` (newline- or NUL-separated) or `--name-status` output.

    A rename or copy line names both paths, and both count: moving a file out of components/ changes the image.
    """
    paths: List[str] = []
    for line in re.split(r"[\n\0]", text):
        fields = [field for field in line.rstrip("\r").split("\t") if field]
        if len(fields) > 1 and NAME_STATUS.match(fields[0]):
            fields = fields[1:]
        paths.extend(field.strip() for field in fields if field.strip())
    return paths


def waits(event: str, wait_input: str) -> bool:
    """Whether the deploy follows the pipeline job to its end: always on a push, on request by hand."""
    return event == "push" or wait_input.strip().lower() == "true"


def releases(decision: str, wait: bool) -> bool:
    """Whether the smoke and promote jobs run: only after a deploy whose pipeline job was followed (and pushed)."""
    return decision != NONE and wait


def content_address(path: Path) -> str:
    """sha256 over the name and the sha256 of each file an upload of `path` ships (a folder less __pycache__)."""
    if path.is_file():
        files = [(path.name, path)]
    elif path.is_dir():
        found = (file for file in path.rglob("*") if file.is_file())
        files = sorted(
            (file.relative_to(path).as_posix(), file)
            for file in found
            if NOT_SHIPPED not in file.relative_to(path).parts
        )
    else:
        raise FileNotFoundError(f"{path} does not exist, so it has no content address")
    digest = hashlib.sha256()
    for name, file in files:
        digest.update(f"{name}\0{hashlib.sha256(file.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:ADDRESS_LENGTH]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=False)


def changed_between(base: str, head: str) -> Tuple[Optional[List[str]], str]:
    """The files changed from base to head, or None and the reason they cannot be known."""
    if not base or NO_COMMIT.match(base):
        return None, "no base commit (a new branch, or a manual run): deploying everything"
    if _git("rev-parse", "--verify", "--quiet", f"{base}^{{commit}}").returncode != 0:
        return None, f"base commit {base} is not in this clone (force push or shallow fetch?): deploying everything"
    # --no-renames lists a rename as its deleted and its added path, so the old location is not lost.
    result = _git("diff", "--name-only", "--no-renames", "-z", f"{base}...{head}")
    if result.returncode != 0:
        return None, f"git diff {base}...{head} failed: {result.stderr.strip()}: deploying everything"
    return parse_changes(result.stdout), f"changes in {base[:12]}...{head[:12]}"


def explain(decision: str, paths: Sequence[str]) -> str:
    """One line for the log: the decision and the files that drove it."""
    drivers = [path for path in paths if classify(path) == decision] if decision != NONE else list(paths)
    shown = ", ".join(drivers[:5]) + (f" and {len(drivers) - 5} more" if len(drivers) > 5 else "")
    return f"deploy path: {decision} ({len(paths)} changed file(s){': ' + shown if shown else ''})"


def _arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 .ci/deploy_path.py", description=DESCRIPTION)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--base", help="The commit before the push; empty or all zeros deploys everything.")
    source.add_argument("--files", metavar="FILE", help="A list of changed files ('-' reads stdin).")
    source.add_argument("--chosen", choices=(FULL, MODULES), help="A path chosen by hand: no diff is read.")
    source.add_argument("--address", metavar="PATH", help="Print the content address of a folder or file, only.")
    parser.add_argument("--head", default="HEAD", help="The pushed commit (default: HEAD).")
    parser.add_argument("--event", default="push", help="The GitHub event: push or workflow_dispatch.")
    parser.add_argument("--wait-input", default="", help="The manual run's `wait` input (true/false).")
    return parser.parse_args(argv)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    with open(name, encoding="utf-8") as handle:
        return handle.read()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _arguments(argv)
    if args.address:
        try:
            print(content_address(Path(args.address)))
        except FileNotFoundError as error:
            print(f"deploy path: {error}", file=sys.stderr)
            return 2
        return 0
    paths: Optional[List[str]]
    if args.chosen:
        paths = None
        print(f"deploy path: {args.chosen} (chosen by hand)", file=sys.stderr)
    elif args.files is not None:
        paths = parse_changes(_read(args.files))
        print(f"deploy path: changed files from {'stdin' if args.files == '-' else args.files}", file=sys.stderr)
    else:
        paths, reason = changed_between(args.base, args.head)
        print(f"deploy path: {reason}", file=sys.stderr)
    decision = args.chosen or (FULL if paths is None else decide(paths))
    if paths is not None:
        print(explain(decision, paths), file=sys.stderr)
    wait = waits(args.event, args.wait_input)
    release = releases(decision, wait)
    print(f"deploy path: wait={str(wait).lower()} release={str(release).lower()}", file=sys.stderr)
    print(decision)
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"path={decision}\nwait={str(wait).lower()}\nrelease={str(release).lower()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
