"""The project stands on its own: no tracked file reaches for folders outside the repo."""
import os
import shutil
import subprocess

import pytest

from tests.helpers import ROOT

# Built from parts so this file does not name what it looks for.
OUTSIDE_FOLDERS = ["../" + "shared", "/work/" + "shared", "shared" + "/spec",
                   "shared" + "/fixtures"]


def _tracked_lines_naming(root, patterns):
    """`file:line:text` of every tracked text line in `root` holding one of the patterns."""
    command = ["git", "-C", str(root), "grep", "-n", "-I", "-F"]
    for pattern in patterns:
        command += ["-e", pattern]
    found = subprocess.run(command, capture_output=True, text=True, check=False)
    # git grep exits 1 when nothing matches and 2 or more on a real error.
    assert found.returncode in (0, 1), found.stderr
    return found.stdout.splitlines()


@pytest.fixture
def git():
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the tracked files cannot be listed")


def test_no_tracked_file_names_a_folder_outside_the_repo(git):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    assert _tracked_lines_naming(ROOT, OUTSIDE_FOLDERS) == []


def test_the_check_finds_a_tracked_file_naming_an_outside_folder(git, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "README.md").write_text("Numbers:\nsee " + OUTSIDE_FOLDERS[0] + "/spec\n")
    (tmp_path / "untracked.md").write_text(OUTSIDE_FOLDERS[0] + "\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "README.md"], check=True)
    assert _tracked_lines_naming(tmp_path, OUTSIDE_FOLDERS) == [
        "README.md:2:see " + OUTSIDE_FOLDERS[0] + "/spec"]


def test_make_clean_keeps_the_instance_folder(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    kept = [tmp_path / "instance" / "dashboard.sqlite3",
            tmp_path / "instance" / "uploads" / "orders.csv", tmp_path / "data" / "sample.csv"]
    rebuilt = [tmp_path / ".venv" / "bin" / "python", tmp_path / "app.egg-info" / "PKG-INFO",
               tmp_path / "build" / "lib" / "x.py", tmp_path / "pkg" / "__pycache__" / "m.pyc",
               tmp_path / ".pytest_cache" / "v"]
    for path in kept + rebuilt:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert [path for path in kept if not path.exists()] == []
    assert [path for path in rebuilt if path.parent.exists()] == []


def test_migrations_are_declared_packages_so_installing_prints_no_warning():
    # setuptools warns "Package would be ignored" for an importable folder left out of
    # `packages`; the migrations and their versions are such folders.
    from setuptools.config.setupcfg import read_configuration

    cwd = os.getcwd()
    os.chdir(ROOT)  # find_namespace: searches from the working directory
    try:
        packages = read_configuration(ROOT / "setup.cfg")["options"]["packages"]
    finally:
        os.chdir(cwd)
    assert {"dashboard", "dashboard.migrations", "dashboard.migrations.versions",
            "dashboard.web", "dashboard.analytics", "dashboard.importing", "models", "layouts",
            "callbacks"} <= set(packages)
    assert not [name for name in packages if "__pycache__" in name or "tests" in name]


def test_page_templates_are_package_data_so_an_installed_copy_has_them():
    # Outside a git checkout (a wheel, a non-editable install) only declared data files
    # are copied; a template left out would break the sign-in page there.
    from fnmatch import fnmatch

    from setuptools.config.setupcfg import read_configuration

    package_data = read_configuration(ROOT / "setup.cfg")["options"]["package_data"]
    web = ROOT / "dashboard" / "web"
    templates = [path.relative_to(web).as_posix() for path in (web / "templates").iterdir()]
    assert "templates/login.html" in templates
    patterns = package_data.get("dashboard.web", [])
    assert [name for name in templates
            if not any(fnmatch(name, pattern) for pattern in patterns)] == []
