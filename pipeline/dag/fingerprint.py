"""Content fingerprints of the user's code and files, so that edits invalidate TFX's cache."""

import ast
import hashlib
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

# A module of the package as the parts of its dotted name below the package: () is the package itself.
Parts = Tuple[str, ...]


def file_fingerprint(path: str) -> str:
    """sha256 of one file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _module_file(root: Path, parts: Parts) -> Optional[Path]:
    """The file that `package.<parts>` imports: a subpackage's __init__.py wins over a module of the same name."""
    init = root.joinpath(*parts, "__init__.py")
    if init.is_file():
        return init
    module = root.joinpath(*parts[:-1], f"{parts[-1]}.py") if parts else None
    return module if module is not None and module.is_file() else None


def _with_parents(parts: Parts) -> Iterator[Parts]:
    """A module and every package on the way to it: importing a.b.c runs a/__init__.py and a/b/__init__.py first."""
    for depth in range(len(parts) + 1):
        yield parts[:depth]


def _absolute(name: str, package: str) -> Optional[Parts]:
    """`package.x.y` -> ("x", "y"); None for a module of another package."""
    if name == package:
        return ()
    if name.startswith(package + "."):
        return tuple(name[len(package) + 1 :].split("."))
    return None


def _relative(node: ast.ImportFrom, current_package: Parts) -> Optional[Parts]:
    """The module `from .x import y` (any number of dots) names, seen from `current_package`; None above the root."""
    up = node.level - 1
    if up > len(current_package):
        return None
    base = current_package[: len(current_package) - up]
    return base + tuple(node.module.split(".")) if node.module else base


def _imported(tree: ast.Module, package: str, current_package: Parts) -> Iterator[Parts]:
    """Every module of the package a parsed file may import: the named ones, and names that could be submodules."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = _absolute(alias.name, package)
                if parts is not None:
                    yield parts
        elif isinstance(node, ast.ImportFrom):
            base = _relative(node, current_package) if node.level else _absolute(node.module or "", package)
            if base is None:
                continue
            yield base
            # `from a import b` imports the submodule a.b when there is one, else b is just a name in a.
            yield from (base + (alias.name,) for alias in node.names if alias.name != "*")


def _own_package(root: Path, path: Path) -> Parts:
    """The package a file belongs to: its folder below the root (the package itself for an __init__.py)."""
    return path.parent.relative_to(root).parts


def import_closure(package_dir: str, entry_modules: Iterable[str]) -> Dict[Path, ast.Module]:
    """The files of `package_dir` that the entry modules import, directly or not, each parsed once.

    Entry modules are dotted names below the package ("model", "runtime.export"). Subpackages are followed
    through absolute and relative imports, and the __init__.py of every package on the way is included.
    """
    root = Path(package_dir)
    package = root.name
    pending: List[Parts] = [tuple(name.split(".")) for name in entry_modules]
    seen: Dict[Path, ast.Module] = {}
    visited: Set[Parts] = set()
    while pending:
        target = pending.pop()
        if target in visited:
            continue
        visited.add(target)
        for parts in _with_parents(target):
            path = _module_file(root, parts)
            if path is None or path in seen:
                continue
            seen[path] = _parse(path)
            pending.extend(_imported(seen[path], package, _own_package(root, path)))
    return seen


def code_fingerprint(package_dir: str, function_path: str) -> str:
    """sha256 over the code a 'package.module.function' path depends on within its package.

    Each file is hashed as its syntax tree under its path in the package, so comments and formatting do not
    re-run a step, and moving code between files does.
    """
    root = Path(package_dir)
    module = function_path.rsplit(".", 1)[0].split(".", 1)[1]
    digest = hashlib.sha256()
    for path, tree in sorted(import_closure(package_dir, [module]).items()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + ast.dump(tree).encode() + b"\0")
    return digest.hexdigest()
