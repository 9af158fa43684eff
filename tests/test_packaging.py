"""What ships: the licence and notice, one version, the whole test suite in the sdist."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import caselink

ROOT = Path(__file__).resolve().parents[1]


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_licence_is_the_full_apache_text_and_metadata_agrees() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text) > 10_000
    project = _project()["project"]
    assert project["license"] == "Apache-2.0"
    for pattern in project["license-files"]:
        assert list(ROOT.glob(pattern)), f"license-files entry {pattern!r} matches nothing"
    assert "Apache License" in (ROOT / "NOTICE").read_text(encoding="utf-8")


def test_the_version_is_written_once() -> None:
    pyproject = _project()
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "caselink.__version__"}
    assert caselink.__version__.count(".") == 2


def test_classifiers_name_the_supported_pythons() -> None:
    classifiers = _project()["project"]["classifiers"]
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Typing :: Typed" in classifiers


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("build") is None, reason="needs the 'build' package (dev extra)")
def test_sdist_and_wheel_carry_licence_notice_and_every_test(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "build", "-o", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stderr[-2000:]
    sdist = next(tmp_path.glob("*.tar.gz"))
    wheel = next(tmp_path.glob("*.whl"))
    assert caselink.__version__ in wheel.name
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    tests_here = {str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py") if "__pycache__" not in p.parts}
    assert tests_here <= names, sorted(tests_here - names)[:5]
    assert {"LICENSE", "NOTICE", "tests/conftest.py"} <= names
    with zipfile.ZipFile(wheel) as whl:
        licences = [n for n in whl.namelist() if "/licenses/" in n]
    assert any(n.endswith("licenses/LICENSE") for n in licences)
    assert any(n.endswith("licenses/NOTICE") for n in licences)


def test_the_base_install_is_lean() -> None:
    deps = {d.split(">")[0].split("=")[0].split("<")[0].strip().lower() for d in _project()["project"]["dependencies"]}
    assert not deps & {"matplotlib", "statsmodels", "phonenumbers"}
    assert "phonenumberslite" in deps
    assert _project()["project"]["optional-dependencies"]["adjust"] == ["statsmodels>=0.14"]


def test_constraints_pin_every_base_and_extra_dependency() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    project = _project()["project"]
    for req in [*project["dependencies"], *project["optional-dependencies"]["adjust"]]:
        name = req.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower().replace("_", "-")
        assert pins.get(name), f"{name} is not pinned in constraints.txt"
