"""Content fingerprints of the user's code and files, so that edits invalidate TFX's cache."""

import ast
import hashlib
from pathlib import Path
from typing import Dict, Iterable, Set


def file_fingerprint(path: str) -> str:
    """sha256 of one file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _local_imports(tree: ast.Module, package: str) -> Set[str]:
    """Names of the package's own modules that a parsed file imports."""
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            # from . import x / from .x import y
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == package:
                found.update(alias.name for alias in node.names)
            elif node.module.startswith(package + "."):
                found.add(node.module.split(".", 1)[1].split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(package + "."):
                    found.add(alias.name.split(".", 1)[1].split(".")[0])
    return found


def import_closure(package_dir: str, entry_modules: Iterable[str]) -> Dict[Path, ast.Module]:
    """The files of `package_dir` that the entry modules import, directly or not, each parsed once."""
    root = Path(package_dir)
    package = root.name
    pending = list(entry_modules)
    seen: Dict[Path, ast.Module] = {}
    while pending:
        path = root / f"{pending.pop()}.py"
        if path in seen or not path.is_file():
            continue
        seen[path] = _parse(path)
        pending.extend(_local_imports(seen[path], package))
    init = root / "__init__.py"
    if init.is_file() and init not in seen:
        seen[init] = _parse(init)
    return seen


def code_fingerprint(package_dir: str, function_path: str) -> str:
    """sha256 over the code a 'package.module.function' path depends on within its package.

    Each file is hashed as its syntax tree, so comments and formatting do not re-run a step.
    """
    module = function_path.rsplit(".", 1)[0].split(".", 1)[1]
    digest = hashlib.sha256()
    for path, tree in sorted(import_closure(package_dir, [module]).items()):
        digest.update(path.name.encode() + b"\0" + ast.dump(tree).encode() + b"\0")
    return digest.hexdigest()
