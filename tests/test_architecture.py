"""The layers of docs/architecture.md, read from the code: which folder imports which, sizes."""
import ast
import subprocess

import pytest

from tests.helpers import ROOT

# folder -> the top-level packages its modules must never import
NEVER_IMPORTS = {
    "models": ("dashboard", "layouts", "callbacks"),
    "layouts": ("models", "callbacks"),
    "callbacks": ("models", "plotly"),
}
# The one module of the core that mounts the Dash side (and so imports callbacks/).
DASH_MOUNT = "dashboard/web/dash_app.py"
MAX_LINES = 600
MAX_CALLBACK_LINES = 120


def tracked_modules():
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "*.py"], capture_output=True,
                            text=True, check=True).stdout.split()
    return [path for path in listed
            if path.split("/")[0] in ("dashboard", "models", "layouts", "callbacks")
            and "/migrations/" not in path]


def imported_packages(path, module_level_only=False):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_there_are_modules_to_check():
    assert len(tracked_modules()) > 40


@pytest.mark.parametrize("folder", sorted(NEVER_IMPORTS))
def test_a_layer_imports_only_the_layers_below_it(folder):
    wrong = [(path, package) for path in tracked_modules() if path.startswith(f"{folder}/")
             for package in imported_packages(path) if package in NEVER_IMPORTS[folder]]
    assert wrong == []


def test_the_core_imports_the_dash_side_only_where_it_mounts_it():
    wrong = [(path, package) for path in tracked_modules()
             if path.startswith("dashboard/") and path != DASH_MOUNT
             for package in imported_packages(path) if package in ("layouts", "callbacks")]
    assert wrong == []


def test_no_module_outgrows_a_screenful_of_concepts():
    sizes = {path: len((ROOT / path).read_text(encoding="utf-8").splitlines())
             for path in tracked_modules()}
    too_long = {path: lines for path, lines in sizes.items()
                if lines > (MAX_CALLBACK_LINES if path.startswith("callbacks/") else MAX_LINES)}
    assert too_long == {}


def test_the_checks_catch_a_layout_that_imports_a_model(tmp_path, monkeypatch):
    # The rule is only worth having if it fires: a layout importing models/ is caught.
    bad = tmp_path / "layouts" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("from models import User\n", encoding="utf-8")
    monkeypatch.setattr("tests.test_architecture.ROOT", tmp_path)
    assert list(imported_packages("layouts/bad.py")) == ["models"]
