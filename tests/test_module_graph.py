"""The import graph of the package has no circle: no module of skmislabel
imports, directly or through others, at module level or inside a function,
a module that imports it.

Read from the source with ``ast``, so that it covers every module, those
that need an extra included, without importing any of them.
"""

import ast
from pathlib import Path

import skmislabel

PACKAGE_DIR = Path(skmislabel.__file__).parent
PACKAGE = "skmislabel"


def _module_name(path):
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_modules():
    """``{module name: path}`` of every module of the package."""
    return {
        _module_name(path): path
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def _imported_modules(name, path, modules):
    """The package modules that ``name`` imports anywhere in its source.

    ``from .a import b`` imports ``a``, or ``a.b`` when ``b`` is a
    module; importing a submodule also runs its package's ``__init__``, but
    that is Python's doing, not an arrow of this module, and is left out
    (every submodule would otherwise be in a circle with the package that
    re-exports it).
    """
    is_package = path.name == "__init__.py"
    package_parts = name.split(".") if is_package else name.split(".")[:-1]
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # A name that is a submodule is an arrow to it; any other name
            # is read from ``source`` itself.
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        else:
            continue
        imported.update(target for target in targets if target in modules and target != name)
    return imported


def _import_graph():
    modules = _package_modules()
    return {name: _imported_modules(name, path, modules) for name, path in modules.items()}


def _find_cycle(graph):
    """One circle of ``graph`` as a list of modules, or None (depth-first search)."""
    state = {}  # absent: unseen, 1: on the current path, 2: done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for successor in sorted(graph[node]):
            if state.get(successor) == 1:
                return path[path.index(successor) :] + [successor]
            if successor not in state:
                cycle = visit(successor)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_the_imports_it_must():
    # The test can fail: relative, function-level and "from . import module"
    # imports are all arrows of the graph.
    graph = _import_graph()
    assert f"{PACKAGE}.noise" in graph[PACKAGE]
    assert f"{PACKAGE}._part_dependent_noise" in graph[f"{PACKAGE}._instance_noise"]
    assert f"{PACKAGE}._out_of_fold" in graph[f"{PACKAGE}._confidence_noise"]
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_one_that_imports_it():
    cycle = _find_cycle(_import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)
