"""The plugin's import graph: no cycles, and no private name taken from another module.

The graph is read from the source (``ast``), so imports inside functions count as much as
those at the top: a function-level import that goes back up a layer is still a cycle, only a
hidden one. An edge goes to the module that holds the name (``from .services import cutouts``
is an edge to ``konigle_bg.services.cutouts``); a package's ``__init__`` is a module of its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import konigle_bg

PACKAGE = Path(konigle_bg.__file__).resolve().parent
ROOT_NAME = "konigle_bg"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    assert f"{ROOT_NAME}.services.theme_runs" in found and f"{ROOT_NAME}.queue" in found
    return found


def _base(mod: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports_of(mod: str, path: Path, known: set[str]):
    """(imported module, names taken from it, line) for every import in the file."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _base(mod, path, node)
            if base == "__future__":
                continue
            plain = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:  # ``from . import host``: the module itself
                    yield sub, [], node.lineno
                else:
                    plain.append(alias.name)
            if plain:
                yield base, plain, node.lineno


def graph() -> tuple[dict[str, set[str]], list[str]]:
    found = modules()
    known = set(found)
    edges: dict[str, set[str]] = {m: set() for m in found}
    private = []
    for mod, path in found.items():
        for target, names, line in imports_of(mod, path, known):
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    private.append(
                        f"{path.relative_to(PACKAGE.parent)}:{line}: {name} from {target}"
                    )
            if target in known and target != mod:
                edges[mod].add(target)
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    edges, _ = graph()
    assert edges[f"{ROOT_NAME}.tasks"] >= {f"{ROOT_NAME}.services"}  # the graph is really read
    assert cycles(edges) == []


def test_no_private_name_imported_from_another_module():
    _, private = graph()
    assert private == []


def test_the_layers_point_one_way():
    """views/api/admin/signals -> services -> queue; tasks -> services; nothing calls back up."""
    edges, _ = graph()

    def reaches(start: str, target: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            if m == target or m.startswith(target + "."):
                return True
            if m not in seen:
                seen.add(m)
                todo.extend(edges.get(m, ()))
        return False

    services = [m for m in edges if m.startswith(f"{ROOT_NAME}.services")]
    for mod in services + [f"{ROOT_NAME}.signals", f"{ROOT_NAME}.queue"]:
        assert not reaches(mod, f"{ROOT_NAME}.tasks"), mod
    assert not any(
        target.startswith(f"{ROOT_NAME}.{up}")
        for up in ("views", "api", "admin", "signals", "tasks")
        for target in edges[f"{ROOT_NAME}.queue"]
    )
    assert edges[f"{ROOT_NAME}.queue"] <= {f"{ROOT_NAME}.conf"}


def test_the_checks_catch_a_cycle_and_a_private_import(tmp_path):
    """The two rules on a made-up graph and file, so a broken reader cannot pass silently."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "m.py").write_text("def f():\n    from .n import _hidden, shown\n")
    found = list(imports_of("pkg.m", pkg / "m.py", {"pkg", "pkg.m", "pkg.n"}))
    assert found == [("pkg.n", ["_hidden", "shown"], 2)]


# -- the optional app and the evaluation harness stay out of the core ---------------------------

REMOVEBG = f"{ROOT_NAME}.removebg"
EVALUATION = f"{ROOT_NAME}.evaluation"
#: Where a request or a queued task comes in: URLconfs, views, admin, tasks, signals, models.
ENTRY_POINTS = [
    f"{ROOT_NAME}.{m}"
    for m in ("apps", "urls", "api.urls", "admin", "tasks", "signals", "models", "checks",
              "templatetags.konigle_bg", "broker", "workers", "removebg.urls", "removebg.admin",
              "removebg.root_urls")
]  # fmt: skip


def _inside(mod: str, package: str) -> bool:
    return mod == package or mod.startswith(package + ".")


def _public(module: str) -> set[str] | None:
    """The names ``module`` declares public (its ``__all__``), None when it declares none."""
    tree = ast.parse(modules()[module].read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return None


def _reachable(starts: list[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), list(starts)
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(edges.get(m, ()))
    return seen


def test_the_removebg_app_uses_the_core_through_its_public_names_only():
    found = modules()
    known = set(found)
    assert f"{REMOVEBG}.views" in known
    offenders = []
    for mod, path in found.items():
        if not _inside(mod, REMOVEBG):
            continue
        for target, names, line in imports_of(mod, path, known):
            if not _inside(target, ROOT_NAME) or _inside(target, REMOVEBG):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if target.startswith(f"{ROOT_NAME}.services."):  # the facade, not its modules
                offenders.append(f"{where}: {target} (use {ROOT_NAME}.services)")
            public = _public(target) if target in known else None
            for name in names:
                if name.startswith("_") or (public is not None and name not in public):
                    offenders.append(f"{where}: {name} from {target}")
    assert offenders == []


def test_nothing_in_the_core_imports_the_removebg_app():
    edges, _ = graph()
    found = modules()
    importers = sorted(
        mod for mod, targets in edges.items()
        if not _inside(mod, REMOVEBG) and any(_inside(t, REMOVEBG) for t in targets)
    )  # fmt: skip
    # Nor by name: include("konigle_bg.removebg...") or import_module("konigle_bg.removebg...").
    for mod, path in found.items():
        if _inside(mod, REMOVEBG):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in
                ("include", "import_module", "import_string", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith(REMOVEBG)
            ):  # fmt: skip
                importers.append(f"{mod} (by name)")
    assert importers == []


def test_no_request_or_worker_path_reaches_the_evaluation_harness():
    edges, _ = graph()
    for start in ENTRY_POINTS:
        assert start in edges, start
    reached = _reachable(ENTRY_POINTS, edges)
    assert f"{ROOT_NAME}.services.processing" in reached  # the graph is really walked
    assert sorted(m for m in reached if _inside(m, EVALUATION)) == []
    # bg_eval itself does use it (so the rule above has something to catch).
    assert any(_inside(t, EVALUATION) for t in edges[f"{ROOT_NAME}.management.commands.bg_eval"])


def test_a_running_site_imports_neither_the_harness_nor_torch():
    """The same at run time: Django set up, every URL and the admin loaded, the task module
    imported; nothing of the harness is imported (nor torch, with the default backend)."""
    import os
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup()\n"
        "from django.urls import get_resolver; get_resolver().url_patterns\n"
        "import konigle_bg.tasks, konigle_bg.admin\n"
        "from django.contrib import admin; admin.autodiscover()\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({EVALUATION!r}) or m == 'torch')\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def segmenter_class_names() -> set[str]:
    """Every class in ``imaging.segment`` that derives (directly or not) from ``Segmenter``."""
    bases: dict[str, set[str]] = {}
    for path in (PACKAGE / "imaging" / "segment").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {ast.unparse(b).rpartition(".")[2] for b in node.bases}
    found = {"Segmenter"}
    while True:
        more = {name for name, of in bases.items() if of & found} - found
        if not more:
            return found
        found |= more


def test_no_isinstance_on_a_segmenter_class_outside_the_registry():
    """The cascade is a segmenter like any other: callers ask it, never test its class."""
    classes = segmenter_class_names()
    assert {"Cascade", "U2NetP", "IsNet", "ClipSegSegmenter"} <= classes
    offenders = []
    for mod, path in modules().items():
        if mod == f"{ROOT_NAME}.imaging.segment.registry":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"isinstance", "issubclass"}
                and len(node.args) == 2
            ):
                named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                named |= {n.attr for n in ast.walk(node.args[1]) if isinstance(n, ast.Attribute)}
                if named & classes:
                    offenders.append(f"{mod}:{node.lineno}")
    assert offenders == []
