"""The lowest versions of requests and urllib3 that pyproject.toml allows really work:
the service module's tests pass on exactly them (installed from PyPI into a folder of
their own, put first on the path of a fresh pytest)."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

RUN_API_TESTS = """
import sys
import pytest
import requests
import urllib3
print("IMPORTED", requests.__version__, requests.__file__, urllib3.__version__, urllib3.__file__)
sys.exit(pytest.main(["tests/api", "-q", "-p", "no:cacheprovider"]))
"""


def declared_floor(name: str) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        found = re.fullmatch(rf"{re.escape(name)}>=([0-9.]+),.*", requirement.replace(" ", ""))
        if found:
            return found.group(1)
    raise AssertionError(f"pyproject.toml declares no floor for {name}")


@pytest.mark.slow
def test_the_service_module_passes_its_tests_on_the_lowest_declared_versions(tmp_path):
    floors = {name: declared_floor(name) for name in ("requests", "urllib3")}
    target = tmp_path / "floors"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
        + [f"{name}=={version}" for name, version in floors.items()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(target), os.environ.get("PYTHONPATH")
    ]))}  # fmt: skip
    environment.pop("DJANGO_SETTINGS_MODULE", None)  # pyproject.toml's, as for any run
    result = subprocess.run(
        [sys.executable, "-c", RUN_API_TESTS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    imported = re.search(r"^IMPORTED (\S+) (\S+) (\S+) (\S+)$", result.stdout, re.MULTILINE)
    assert imported, result.stdout[-3000:] + result.stderr[-3000:]
    requests_version, requests_file, urllib3_version, urllib3_file = imported.groups()
    assert Version(requests_version) == Version(floors["requests"])
    assert Version(urllib3_version) == Version(floors["urllib3"])
    assert Path(requests_file).is_relative_to(target) and Path(urllib3_file).is_relative_to(target)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"^\d+ passed", result.stdout.splitlines()[-1])
