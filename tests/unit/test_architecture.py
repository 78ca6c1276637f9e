"""The layers hold: no module imports a layer above its own, and docs/architecture.md names only modules that exist."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ivr"
# Lowest first: a module may import its own layer and those before it.
LAYERS = ["core", "content", "storage", "telephony", "web", "tools"]
# Modules at the top of the package that sit above every layer.
TOP = {"ivr", "ivr.cli"}
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    """The layer of an ivr module: core, content, ..., or None for ivr itself, ivr.cli and ivr.config."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def ivr_imports(path: Path) -> set[str]:
    """Every ivr module the file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import; the package imports by full name"
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "ivr" or name.startswith("ivr.")}


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_a_module_imports_only_its_layer_and_those_below(path):
    importer = module_name(path)
    if importer in TOP or importer == "ivr.config":
        return
    layer = layer_of(importer)
    assert layer is not None, f"{importer} is neither in a layer nor a top module"
    for imported in ivr_imports(path):
        if imported == "ivr.config":
            # Settings come from the environment, which the pure core never reads.
            assert layer != "core", f"{importer} reads settings; the core is given them"
            continue
        target = layer_of(imported)
        assert target is not None, f"{importer} imports {imported}, which stands above every layer"
        assert LAYERS.index(target) <= LAYERS.index(layer), f"{importer} ({layer}) imports {imported} ({target})"


def test_every_layer_has_a_docstring_saying_what_it_holds():
    for layer in LAYERS:
        source = (PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring and "import" in docstring, f"ivr.{layer} needs a docstring saying what it holds and may import"


def test_the_top_of_the_package_holds_little():
    top = sorted(path.name for path in PACKAGE.iterdir() if path.suffix == ".py")
    assert top == ["__init__.py", "cli.py", "config.py"]


def test_every_module_the_architecture_page_names_exists():
    named = set(re.findall(r"`(ivr(?:\.[a-z_]+)*)", ARCHITECTURE))
    assert len(named) > 15
    missing = sorted(name for name in named if importlib.util.find_spec(name) is None)
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_the_architecture_page_shows_every_layer():
    picture = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    source = (ROOT / "docs" / "architecture.dot").read_text(encoding="utf-8")
    for layer in LAYERS:
        assert f"ivr.{layer}" in picture and f"ivr.{layer}" in source and f"`ivr.{layer}`" in ARCHITECTURE


# About fifteen branches is as much as a reader holds at once (radon's grade C ends at 20; we stop well inside it).
MOST_BRANCHES = 15


def test_no_function_needs_more_than_fifteen_branches():
    from radon.complexity import cc_visit

    heavy = [f"{module_name(path)}.{block.fullname} ({block.complexity})"
             for path in MODULES for block in cc_visit(path.read_text(encoding="utf-8"))
             if block.complexity > MOST_BRANCHES]
    assert not heavy, f"split these into smaller functions: {heavy}"
