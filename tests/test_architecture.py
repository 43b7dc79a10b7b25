"""The package's dependency direction and its lazy CLI, machine-checked."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    from importlinter.cli import lint_imports

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0
    finally:
        os.chdir(cwd)


def test_help_imports_nothing_heavy():
    code = ("import sys, scenariosim.cli as c\n"
            "heavy = {'numpy', 'numba', 'moderngl', 'lark', 'cv2'} & set(sys.modules)\n"
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_scenario_loading_has_no_code_execution_paths():
    """Loading a scenario must never execute code from it: no eval/exec/pickle/dynamic import in dsl/ or spec/."""
    forbidden = re.compile(r"\b(eval|exec)\(|\bpickle\b|\bimportlib\b|__import__|\bmarshal\b")
    for folder in ("dsl", "spec"):
        for path in (ROOT / "scenariosim" / folder).rglob("*.py"):
            hit = forbidden.search(path.read_text())
            assert hit is None, f"{path.relative_to(ROOT)} uses {hit.group(0)}"
