"""Rules of the codebase that a test can keep."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python_files(folder: Path):
    return [path for path in folder.rglob("*.py") if "migrations" not in path.parts]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else f"<relative>.{node.module}"
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_dashboard_code_never_imports_the_sandbox():
    offenders = []
    for path in python_files(ROOT / "dashboard"):
        if "sandbox" in path.relative_to(ROOT / "dashboard").parts:
            continue
        if any(name.startswith("dashboard.sandbox") for name in imported_modules(path)):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_only_the_service_module_talks_http():
    offenders = []
    for path in python_files(ROOT / "dashboard"):
        parts = path.relative_to(ROOT / "dashboard").parts
        if parts[0] in ("api", "sandbox") or path.name == "rundemo.py":
            continue
        if {"requests", "urllib3", "http.client"} & imported_modules(path):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_templates_and_static_never_mention_the_api_settings():
    pattern = re.compile(r"API_SECRET_KEY|settings\.API_|API_BASE_URL")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("templates", "static")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "vendor" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == []


def test_no_cdn_anywhere():
    remote = re.compile(r"""(src|href)=["']?(https?:)?//""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if remote.search(path.read_text())
    ]
    assert offenders == []


def test_vendored_bootstrap_keeps_its_licence():
    vendor = ROOT / "static" / "vendor"
    for library in vendor.iterdir():
        assert (library / "LICENSE").exists(), library.name
