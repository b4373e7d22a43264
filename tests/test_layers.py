"""The layers of metrics/ are checked, not just written: import-linter's contracts hold on the real
package, break on a deliberate wrong import in a copy, and no metrics module imports itself in a cycle."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"
CONTRACTS = ("A layer imports only the layers below it", "Reading layers never import the writers (ingest, demo)",
             "Nothing under metrics/ imports streamlit")


def lint(where: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports over the metrics package found in ``where`` (its .importlinter, no cache)."""
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([str(LINT), "--no-cache", "--config", str(where / ".importlinter")], cwd=where,
                          env=env, capture_output=True, text=True, timeout=120)


def test_every_contract_is_kept_on_the_real_package():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in CONTRACTS:
        assert f"{name} KEPT" in done.stdout, done.stdout
    assert "3 kept, 0 broken" in done.stdout


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """metrics/ and .importlinter copied into a fresh directory, to break on purpose."""
    shutil.copytree(ROOT / "metrics", tmp_path / "metrics", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def add_import(path: Path, line: str) -> None:
    """Insert ``line`` after the module's ``from __future__`` import (so it stays a valid module)."""
    text = path.read_text(encoding="utf-8")
    anchor = "from __future__ import annotations\n"
    assert anchor in text, path
    path.write_text(text.replace(anchor, anchor + line + "\n", 1), encoding="utf-8")


@pytest.mark.parametrize(("module", "line", "broken", "names"), [
    ("metrics/core/periods.py", "import metrics.assess.engine", CONTRACTS[0],
     ("metrics.core.periods", "metrics.assess.engine")),
    ("metrics/query/tables.py", "import streamlit", CONTRACTS[2], ("metrics.query.tables", "streamlit")),
    ("metrics/export/text.py", "import metrics.ingest.service", CONTRACTS[1],
     ("metrics.export.text", "metrics.ingest.service")),
], ids=["core-imports-assess", "query-imports-streamlit", "export-imports-ingest"])
def test_a_wrong_import_breaks_its_contract(copy, module, line, broken, names):
    assert lint(copy).returncode == 0, "the untouched copy must pass first"
    add_import(copy / module, line)
    done = lint(copy)
    assert done.returncode == 1, done.stdout
    assert f"{broken} BROKEN" in done.stdout, done.stdout
    assert "1 broken" in done.stdout
    for name in names:
        assert name in done.stdout, done.stdout


def import_cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Strongly connected groups of metrics modules (each imports the other, directly or not); Tarjan."""
    modules = sorted(m for m in graph.modules if m == "metrics" or m.startswith("metrics."))
    inside = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

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
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1 or v in edges[v]:
                found.append(group)

    for m in modules:
        if m not in index:
            visit(m)
    return found


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """Every import in metrics/, function-level (late) imports included."""
    return grimp.build_graph("metrics")


def test_no_import_cycles(graph):
    assert "metrics.store.rollup" in graph.modules and "metrics.store.snapshots" in graph.modules
    assert import_cycles(graph) == []


def test_the_cycle_check_sees_a_cycle():
    """The check is live: one added back-edge (core -> assess, while assess imports core) is a cycle."""
    graph = grimp.build_graph("metrics")      # a private graph: the module fixture stays untouched
    assert graph.direct_import_exists(importer="metrics.assess.engine", imported="metrics.core.periods")
    graph.add_import(importer="metrics.core.periods", imported="metrics.assess.engine")
    [group] = import_cycles(graph)
    assert {"metrics.core.periods", "metrics.assess.engine"} <= group
