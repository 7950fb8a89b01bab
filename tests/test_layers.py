"""The layers of the code, checked on the source (an AST walk), so that the next import
cycle or query in a view fails here rather than in a review.

- `models/` is the domain and never imports `views` or the app;
- `models/access/` is the authorization layer: it imports `models.db`, the areas'
  `tables` modules and itself, nothing with behaviour;
- a `tables` module imports only `models.db`, `models.protect` and other `tables`;
- no two modules of the app import each other in a circle, counting imports inside
  functions (which hide a cycle from Python but not from a reader);
- a view parses, asks the access layer and the model, and renders: it runs no query of
  its own;
- no module in `models/` or `views/` is over 400 lines.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "views")
TOP_MODULES = ("app", "cli", "municipality")
MAX_LINES = 400


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources():
    paths = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    paths += [ROOT / f"{name}.py" for name in TOP_MODULES if (ROOT / f"{name}.py").exists()]
    return {_module_name(p): p for p in paths}


SOURCES = _sources()


def _is_package(name):
    return SOURCES[name].name == "__init__.py"


def _imports(name):
    """The app modules a module imports, anywhere in it, with the line of each."""
    path = SOURCES[name]
    found = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if _is_package(name) else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            # `from package import module` imports the module itself
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in SOURCES else module
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in SOURCES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.setdefault(target, node.lineno)
    return found


GRAPH = {name: _imports(name) for name in SOURCES}


def _is_tables(name):
    return name == "models.db" or name == "models.protect" or name.endswith(".tables")


def test_the_source_is_found():
    assert "models.access" in SOURCES and "views.messages" in SOURCES and "app" in SOURCES


def test_models_never_import_views_or_the_app():
    wrong = [f"{name} imports {target} (line {line})"
             for name, targets in GRAPH.items() if name.startswith("models")
             for target, line in targets.items()
             if target.startswith("views") or target in TOP_MODULES]
    assert wrong == []


def test_access_imports_tables_and_nothing_with_behaviour():
    wrong = [f"{name} imports {target} (line {line})"
             for name, targets in GRAPH.items()
             if name == "models.access" or name.startswith("models.access.")
             for target, line in targets.items()
             if not (_is_tables(target) or target.startswith("models.access"))]
    assert wrong == []


def test_tables_import_only_tables():
    wrong = [f"{name} imports {target} (line {line})"
             for name, targets in GRAPH.items() if _is_tables(name)
             for target, line in targets.items() if not _is_tables(target)]
    assert wrong == []


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(result)


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


# A query is a call of one of these on a model class (a capitalised name), or a write
# on a fetched row. `Model.get` is a query too; `dict.get` is not (lower-case receiver).
QUERY_METHODS = {"select", "get", "get_or_none", "get_by_id", "create", "insert",
                 "insert_many", "bulk_create", "update", "delete", "replace", "raw"}
ROW_WRITES = {"save", "delete_instance"}


def _queries_in(path):
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver, method = node.func.value, node.func.attr
        if (method in QUERY_METHODS and isinstance(receiver, ast.Name)
                and receiver.id[:1].isupper() and not receiver.id.isupper()):
            found.append(f"{path.name}:{node.lineno} {receiver.id}.{method}")
        elif method in ROW_WRITES:
            found.append(f"{path.name}:{node.lineno} .{method}()")
        elif method == "atomic":
            found.append(f"{path.name}:{node.lineno} a transaction")
    return found


def test_the_query_finder_finds_queries(tmp_path):
    sample = tmp_path / "view.py"
    sample.write_text("def page(d):\n    d.get('x')\n    Child.select()\n"
                      "    Thread.get_or_none(id=1)\n    row.save()\n")
    assert [line.split()[1] for line in _queries_in(sample)] == [
        "Child.select", "Thread.get_or_none", ".save()"]


def test_views_run_no_queries_of_their_own():
    found = [q for name, path in SOURCES.items() if name.startswith("views")
             for q in _queries_in(path)]
    assert found == []


@pytest.mark.parametrize("name", [n for n in SOURCES if n.split(".")[0] in PACKAGES])
def test_no_module_is_over_400_lines(name):
    lines = SOURCES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{SOURCES[name].relative_to(ROOT)} has {lines} lines"
