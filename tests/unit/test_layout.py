"""The layout holds: every module imports on its own, imports point one way, and no private name crosses modules."""

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit

PACKAGES = ("pipeline", "components", "modules")
# Who may not import whom: (importer prefix, imported prefix, why). The first match of an import decides.
FORBIDDEN: List[Tuple[str, str, str]] = [
    ("components", "pipeline", "components/ runs inside TFX executors; pipeline/ wires it, not the reverse"),
    ("components", "modules", "the pipeline names modules/ by module path, never by import"),
    ("pipeline", "modules", "the pipeline names modules/ by module path, never by import"),
    ("modules", "pipeline", "modules/ is the data scientist's code: TF, TFT, KerasTuner, Neptune and its own files"),
    ("modules", "components", "modules/ is the data scientist's code: TF, TFT, KerasTuner, Neptune and its own files"),
]
# The ground floor of pipeline/: what each may import of it. Settings know only the serving contract; the
# contract is a leaf; the ML Metadata reader is shared by every command and knows none of them.
ALLOWED: Dict[str, Tuple[str, ...]] = {
    "pipeline.config": ("pipeline.config", "pipeline.contract"),
    "pipeline.contract": (),
    "pipeline.workers": (),
    "pipeline.mlmd": ("pipeline.mlmd",),
    # A rehearsal compiles as `vtx compile` does, and runs the spec; it knows no other command.
    "pipeline.rehearse": ("pipeline.rehearse", "pipeline.config", "pipeline.dag", "pipeline.vertex"),
}


def _python_files(*roots: str) -> Iterator[Path]:
    for root in roots:
        yield from sorted((PROJECT_ROOT / root).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> List[str]:
    """Every module of pipeline/, components/ and modules/, except `__main__` (it runs the CLI when imported)."""
    return [_module_name(path) for path in _python_files(*PACKAGES) if path.name != "__main__.py"]


def _imports(path: Path) -> Iterator[Tuple[int, str, List[str]]]:
    """(line, absolute module, names) of each import in a file; relative imports resolved against its package."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            yield node.lineno, base, [alias.name for alias in node.names]


def _violation(importer: str, imported: str) -> Optional[str]:
    for owner, allowed in ALLOWED.items():
        inside = importer == owner or importer.startswith(owner + ".")
        permitted = any(imported == a or imported.startswith(a + ".") for a in allowed)
        if inside and imported.startswith("pipeline.") and not permitted:
            return f"{owner} may import only {', '.join(allowed) or 'nothing of pipeline/'}"
    for source, target, why in FORBIDDEN:
        if (importer == source or importer.startswith(source + ".")) and (
            imported == target or imported.startswith(target + ".")
        ):
            return why
    return None


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    def import_alone(module: str) -> Optional[str]:
        result = subprocess.run(
            # The collector off: most modules import TensorFlow, whose import it slows by a fifth, and a circle
            # or a missing name fails the same with it off.
            [sys.executable, "-c", f"import gc; gc.disable(); import {module}"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env={**{k: v for k, v in os.environ.items() if not k.startswith("VTX_")}, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        if result.returncode == 0:
            return None
        last = [line for line in result.stderr.splitlines() if line.strip()][-1:] or ["(no message)"]
        return f"{module}: {last[0]}"

    modules = project_modules()
    assert len(modules) > 100, "the walk over the packages found too few modules"
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [failure for failure in pool.map(import_alone, modules) if failure]
    assert not failures, "modules that fail to import on their own:\n" + "\n".join(failures)


def test_imports_point_one_way():
    problems = []
    for path in _python_files(*PACKAGES):
        importer = _module_name(path)
        for line, imported, _ in _imports(path):
            why = _violation(importer, imported)
            if why:
                problems.append(f"{path.relative_to(PROJECT_ROOT)}:{line} imports {imported}: {why}")
    assert not problems, "\n".join(problems)


def test_no_private_name_is_imported_across_modules():
    own = PACKAGES + ("tests", "benchmarks")
    problems = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {name} from {module}"
        for path in _python_files(*own)
        for line, module, names in _imports(path)
        if module.split(".")[0] in own
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("components.executors", "pipeline.config", False),
        ("pipeline.dag.factory", "modules.model", False),
        ("modules.model", "components.executors", False),
        ("pipeline.config.core", "pipeline.contract", True),
        ("pipeline.config.core", "pipeline.serving.model", False),
        ("pipeline.mlmd.lineage", "pipeline.report.runs", False),
        ("pipeline.cli.run", "pipeline.local.execute", True),
    ],
)
def test_the_direction_check_refuses_what_it_should(importer, imported, allowed):
    assert (_violation(importer, imported) is None) == allowed
