"""The shape of the code holds: no import cycles, no module over 400 lines, every handlers
subpackage says what lives in it. (The layers themselves: `lint-imports`, pyproject.toml.)

Run `python -m tests.test_architecture` to print any cycle (what `make cycles` does).
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "knowledge", "settings", "storage")
MAX_LINES = 400


def import_cycles() -> list[list[str]]:
    """Groups of modules that import each other, directly or round about (imports inside
    functions count; imports only for type checkers do not)."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    # Tarjan's strongly connected components, iteratively (the graph is a few hundred nodes)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))
    return cycles


def test_no_import_cycles() -> None:
    assert import_cycles() == []


def test_cycle_finder_finds_a_cycle(tmp_path, monkeypatch) -> None:
    """The check above can fail: two modules that import each other are reported."""
    pkg = tmp_path / "cyclepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from cyclepkg import b\n")
    (pkg / "b.py").write_text("from cyclepkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "PACKAGES", ("cyclepkg",))
    assert import_cycles() == [["cyclepkg.a", "cyclepkg.b"]]


def long_modules() -> dict[str, int]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                found[str(path.relative_to(ROOT))] = lines
    return found


def test_no_module_over_400_lines() -> None:
    assert long_modules() == {}, "split these modules (README, 'How it is built')"


def test_each_handlers_subpackage_says_what_lives_there() -> None:
    for init in sorted((ROOT / "handlers").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "may import" in doc.lower(), f"{init.parent.name}: say what lives here"


if __name__ == "__main__":
    found = import_cycles()
    for group in found:
        print("cycle:", " <-> ".join(group))
    print(f"{len(found)} import cycle(s) in {', '.join(PACKAGES)}")
    raise SystemExit(1 if found else 0)
