"""The README and docs/ stay true: every relative link resolves, and every vtx command line they show parses.

What counts as a command line: every line of a fenced code block in a shell language (bash, sh, shell, or
no language); in a `console` block, only the lines after `$ `. Output samples are fenced as `text`. Lines
ending in a backslash are joined, `# comments` dropped, heredoc bodies skipped. A shell variable is kept as
it is written (`"$VERSION"` is a placeholder, like RUN_ID), so an option that checks its type needs a
literal value. `make TARGET ARGS='...'` lines are checked too: the target must exist, and a recipe that
runs vtx is parsed with those ARGS, as make would hand them to the shell.

Parsing resolves the subcommand through `pipeline.cli.main`, then lets click parse the rest: unknown
options, missing values, types, ranges and choices are checked, and nothing runs. A path in the docs
names a file on the reader's machine, not this one, so click's path checks (exists, file or directory)
are switched off: they ask the disk, not the command line.
"""

import re
import shlex
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import click
import pytest

from pipeline.cli import main

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
SHELL_LANGUAGES = {"", "bash", "sh", "shell", "zsh", "console"}
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
URL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
OPERATOR = re.compile(r"^[();<>|&]+$")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def doc_files() -> List[Path]:
    return [ROOT / "README.md", ROOT / "data" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def where(path: Path, number: int) -> str:
    return f"{path.relative_to(ROOT)}:{number}"


# ---------------------------------------------------------------- Markdown


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language and its lines, numbered as in the file."""

    language: str
    lines: Tuple[Tuple[int, str], ...]


def split_markdown(text: str) -> Tuple[List[Tuple[int, str]], List[Block]]:
    """The prose lines (outside fences) and the fenced code blocks of a Markdown text."""
    prose: List[Tuple[int, str]] = []
    blocks: List[Block] = []
    fence: Optional[str] = None
    language, lines = "", []
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None and match:
            fence, language, lines = match.group(1), match.group(2).lower(), []
        elif fence is not None and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            blocks.append(Block(language, tuple(lines)))
            fence = None
        elif fence is not None:
            lines.append((number, line))
        else:
            prose.append((number, line))
    return prose, blocks


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: link text kept, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> Set[str]:
    """Every heading anchor of a Markdown file; a repeated heading gets -1, -2, ... as on GitHub."""
    found: Set[str] = set()
    counts: Dict[str, int] = {}
    for _, line in split_markdown(path.read_text(encoding="utf-8"))[0]:
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = counts.get(base, 0)
            counts[base] = count + 1
            found.add(f"{base}-{count}" if count else base)
    return found


def link_problems(path: Path) -> List[str]:
    """Relative links of one file that name a missing file, or a heading its Markdown file does not have."""
    problems = []
    for number, line in split_markdown(path.read_text(encoding="utf-8"))[0]:
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if URL.match(target):
                continue
            file_part, _, anchor = urllib.parse.unquote(target).partition("#")
            base = ROOT if file_part.startswith("/") else path.parent
            destination = (base / file_part.lstrip("/")).resolve() if file_part else path
            if not destination.exists():
                problems.append(f"{where(path, number)}: link {target}: no file {file_part}")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                problems.append(
                    f"{where(path, number)}: link {target}: no heading #{anchor} in {file_part or path.name}"
                )
    return problems


# ---------------------------------------------------------------- shell lines


def logical_lines(block: Block) -> Iterator[Tuple[int, str]]:
    """A shell block's command lines: continuations joined, heredoc bodies and console output skipped."""
    pending, start, heredoc_end = "", 0, None
    for number, line in block.lines:
        if heredoc_end is not None:
            heredoc_end = None if line.strip() == heredoc_end else heredoc_end
            continue
        if block.language == "console" and not pending:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        start = start or number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        if not is_complete(pending + line):  # a quoted string goes on on the next line, as in the shell
            pending += line + "\n"
            continue
        yield start, pending + line
        heredoc = HEREDOC.search(pending + line)
        heredoc_end = heredoc.group(1) if heredoc else None
        pending, start = "", 0
    if pending:
        yield start, pending


def is_complete(line: str) -> bool:
    try:
        simple_commands(line)
    except ValueError:
        return False
    return True


def simple_commands(line: str) -> List[List[str]]:
    """A shell line as its simple commands (split at ; && | ( ) and redirections), comments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: List[List[str]] = [[]]
    for token in lexer:
        if OPERATOR.match(token):
            if token[0] in "<>" and commands[-1] and commands[-1][-1].isdigit():
                commands[-1].pop()  # the 2 of 2>&1
            commands.append([])
        else:
            commands[-1].append(token)
    return [command for command in commands if command]


def is_vtx(token: str) -> bool:
    return token == "vtx" or token.endswith("/vtx")


def without_assignments(words: List[str]) -> List[str]:
    """A simple command without the VAR=value assignments in front of it."""
    index = 0
    while index < len(words) and ASSIGNMENT.match(words[index]):
        index += 1
    return words[index:]


def vtx_arguments(words: List[str]) -> Optional[List[str]]:
    """The arguments of the vtx invocation in one simple command, or None if it runs no vtx.

    vtx runs when it is the command (after VAR=value assignments), when `python -m pipeline` is, when it
    precedes one of its own commands (`docker run ... IMAGE vtx batch-predict ...`), or as a Cloud Run
    job's `--command=vtx --args=a,b,c`.
    """
    command = without_assignments(words)
    if command and is_vtx(command[0]):
        return command[1:]
    for index, word in enumerate(words[:-1]):
        if word == "-m" and words[index + 1] == "pipeline" and index and "python" in words[index - 1]:
            return words[index + 2 :]
        if is_vtx(word) and words[index + 1] in main.commands:
            return words[index + 1 :]
    if "--command=vtx" in words:
        return next((word.split("=", 1)[1].split(",") for word in words if word.startswith("--args=")), [])
    return None


def make_targets() -> Dict[str, List[str]]:
    """Each Makefile target and its recipe lines."""
    targets: Dict[str, List[str]] = {}
    current = None
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+):(?!=)", line)
        if match:
            current = match.group(1)
            targets[current] = []
        elif line.startswith("\t") and current:
            targets[current].append(line.strip())
        else:
            current = None
    return targets


def make_invocations(words: List[str], targets: Dict[str, List[str]]) -> Iterator[Tuple[str, Optional[List[str]]]]:
    """For `make T ... ARGS='...'`: each target, with the vtx arguments its recipe runs (None: no target)."""
    settings = dict(word.split("=", 1) for word in words[1:] if ASSIGNMENT.match(word))
    for target in (word for word in words[1:] if not ASSIGNMENT.match(word) and not word.startswith("-")):
        if target not in targets:
            yield target, None
        for recipe in (line for line in targets.get(target, []) if "/bin/vtx" in line):
            line = recipe.replace("$(VENV)", ".venv").replace("$(ARGS)", settings.get("ARGS", "")).lstrip("@")
            for command in simple_commands(line):
                arguments = vtx_arguments(command)
                if arguments is not None:
                    yield target, arguments


# ---------------------------------------------------------------- click


def parse(arguments: List[str]) -> Optional[str]:
    """None when `vtx ARGUMENTS` parses (nothing runs), else click's message."""
    try:
        with click.Context(main, info_name="vtx") as context:
            command: click.Command = main
            while isinstance(command, click.Group) and arguments and not arguments[0].startswith("-"):
                name, found, arguments = command.resolve_command(context, arguments)
                command = found
                context = click.Context(command, info_name=name, parent=context)
            with command.make_context(context.info_name, list(arguments), parent=context.parent):
                pass
    except click.exceptions.Exit as done:  # --help and --version print, then exit 0
        return None if done.exit_code == 0 else f"exit status {done.exit_code}"
    except click.ClickException as error:
        return error.format_message()
    return None


def all_commands(
    group: click.Group = main, path: Tuple[str, ...] = ()
) -> Iterator[Tuple[Tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, path + (name,))


@pytest.fixture
def paths_not_checked(monkeypatch):
    """Every click.Path option accepts any path: the docs' paths are the reader's (see the module docstring)."""
    for _, command in [((), main), *all_commands()]:
        for parameter in command.params:
            if isinstance(parameter.type, click.Path):
                monkeypatch.setattr(parameter, "type", click.Path())


def command_problems(path: Path, targets: Dict[str, List[str]]) -> List[str]:
    """Every vtx (or make) command line of one file that does not parse, with click's message."""
    problems = []
    for block in split_markdown(path.read_text(encoding="utf-8"))[1]:
        if block.language not in SHELL_LANGUAGES:
            continue
        for number, line in logical_lines(block):
            try:
                commands = simple_commands(line)
            except ValueError as error:
                problems.append(f"{where(path, number)}: {line.strip()}\n    cannot split it as shell does: {error}")
                continue
            for words in commands:
                for shown, message in check_words(words, targets):
                    problems.append(f"{where(path, number)}: {shown}\n    {message}")
    return problems


def check_words(words: List[str], targets: Dict[str, List[str]]) -> Iterator[Tuple[str, str]]:
    """(what was checked, why it fails) for the vtx or make invocation in one simple command."""
    arguments = vtx_arguments(words)
    if arguments is not None:
        message = parse(arguments)
        if message:
            yield shlex.join(["vtx", *arguments]), message
    elif without_assignments(words)[:1] == ["make"]:
        for target, make_arguments in make_invocations(words, targets):
            if make_arguments is None:
                yield shlex.join(words), f"make has no target {target!r}"
            elif message := parse(make_arguments):
                yield f"{shlex.join(words)} (runs vtx {shlex.join(make_arguments)})", message


def named_command_problems(path: Path) -> List[str]:
    """`vtx a b` in prose must name a command: each word a subcommand of the group before it."""
    problems = []
    for number, line in split_markdown(path.read_text(encoding="utf-8"))[0]:
        for _, span in CODE_SPAN.findall(line):
            words = span.split()
            if words[:1] != ["vtx"]:
                continue
            command: click.Command = main
            for word in words[1:]:
                if not isinstance(command, click.Group) or word.startswith("-"):
                    break
                if word not in command.commands:
                    problems.append(f"{where(path, number)}: `{span}`: no command {word!r} in `{command.name}`")
                    break
                command = command.commands[word]
    return problems


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    problems = link_problems(path)

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_command_line_parses(path, paths_not_checked):
    problems = command_problems(path, make_targets())

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_command_named_in_prose_exists(path):
    problems = named_command_problems(path)

    assert not problems, "\n".join(problems)


def test_the_readme_names_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    leaves = [" ".join(path) for path, command in all_commands() if not isinstance(command, click.Group)]

    assert [leaf for leaf in leaves if f"`vtx {leaf}`" not in readme] == []


def test_a_bad_option_a_bad_value_and_an_unknown_command_are_caught(paths_not_checked):
    assert "--trails" in parse(["run", "--trails", "5"])
    assert "1<=x<=1000" in parse(["run", "--trials", "0"])
    assert "No such command 'frobnicate'" in parse(["registry", "frobnicate"])
    assert "Missing argument" in parse(["registry", "promote"])
    assert parse(["schedule", "create", "all", "--spec", "/no/such/spec.json", "--dry-run"]) is None


def test_a_broken_link_and_a_missing_heading_are_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "page.md").write_text("# Top\n\n## Two words\n\n[a](page.md#two-words) [b](gone.md) [c](#nope)\n")

    problems = link_problems(tmp_path / "page.md")

    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "link gone.md: no file gone.md",
        "link #nope: no heading #nope in page.md",
    ]


def test_command_lines_are_found_where_a_reader_types_them():
    block = Block(
        "bash",
        (
            (1, "VERSION=$(.venv/bin/vtx registry list --json | python -c 'x')  # a comment's quote"),
            (2, "docker run --rm -e A=b IMAGE vtx batch-predict \\"),
            (3, "  --input gs://b/in --output gs://b/out"),
            (4, "python - <<'EOF'"),
            (5, "vtx this is python, not shell"),
            (6, "EOF"),
            (7, "cd /p && .venv/bin/vtx monitor >> log 2>&1; [ $? -eq 1 ] && vtx run"),
            (8, "VTX_PROFILE=vertex vtx submit --param train_steps=500"),
            (9, "gcloud artifacts repositories create vtx --repository-format=docker"),
        ),
    )

    assert vtx_lines(block) == [
        ["registry", "list", "--json"],
        ["batch-predict", "--input", "gs://b/in", "--output", "gs://b/out"],
        ["monitor"],
        ["run"],
        ["submit", "--param", "train_steps=500"],
    ]


def test_a_console_block_shows_commands_after_the_prompt_only():
    block = Block("console", ((1, "$ vtx registry list \\"), (2, "  --json"), (3, "vtx 1.0 is not a command")))

    assert vtx_lines(block) == [["registry", "list", "--json"]]


def test_a_make_line_runs_its_recipe_with_the_args_given():
    targets = {"compile": [".venv/bin/vtx compile --profile vertex $(ARGS)"], "lint": ["ruff check ."]}

    found = list(make_invocations(["make", "compile", "lint", "lnt", "ARGS=--config v.yaml"], targets))

    assert found == [("compile", ["compile", "--profile", "vertex", "--config", "v.yaml"]), ("lnt", None)]


def vtx_lines(block: Block) -> List[List[str]]:
    found = [vtx_arguments(words) for _, line in logical_lines(block) for words in simple_commands(line)]
    return [arguments for arguments in found if arguments is not None]
