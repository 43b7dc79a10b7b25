"""The command line as a user meets it: exit codes, one-line errors, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "scenarios" / "highway_basic.scn").read_text()


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scenariosim", *args], capture_output=True, text=True, cwd=cwd)


def test_help_and_version():
    assert run("--help").returncode == 0
    assert run("--version").stdout.startswith("scenariosim ")


def test_check_accepts_the_bundled_scenario():
    res = run("check", "scenarios/highway_basic.scn")
    assert res.returncode == 0, res.stderr
    assert "scenario 'highway_basic'" in res.stdout


@pytest.mark.parametrize("old,new,line,col,message", [
    ("    duration: 4 s", "    span: 4 s", 5, 5, "unknown field 'span'"),            # a renamed field
    ("    duration: 4 s", "    duration: 4", 5, 15, "needs a time unit"),           # a missing unit
    ("actor lead: truck", "actor lead: tank", 17, 17, "unknown actor kind 'tank'"),  # an unknown kind
])
def test_bad_scenarios_fail_with_a_located_line_and_a_caret(tmp_path, old, new, line, col, message):
    bad = tmp_path / "bad.scn"
    bad.write_text(EXAMPLE.replace(old, new, 1))
    for command in (["check", str(bad)], ["render", str(bad), "--out", str(tmp_path / "out")]):
        res = run(*command)
        assert res.returncode == 1
        assert "Traceback" not in res.stderr
        lines = res.stderr.rstrip().splitlines()
        assert len(lines) == 3 and lines[0].startswith(f"error: {bad}:{line}:{col}: ")
        assert message in lines[0]
        assert lines[1] == "    " + bad.read_text().splitlines()[line - 1]     # the source line …
        assert lines[2] == "    " + " " * (col - 1) + "^"                     # … and a caret under the column
    assert not (tmp_path / "out").exists()


def test_missing_file_is_a_clean_error(tmp_path):
    res = run("check", str(tmp_path / "nope.scn"))
    assert res.returncode == 1 and "nope.scn" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.gl
def test_render_writes_a_dataset_and_refuses_to_clobber_it(tmp_path):
    out = tmp_path / "ds"
    res = run("render", "scenarios/highway_basic.scn", "--out", str(out), "--frames", "2", "--seed", "3", "--quiet")
    assert res.returncode == 0, res.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["frames"] == 2 and manifest["seed"] == 3 and manifest["annotations"] >= 6
    again = run("render", "scenarios/highway_basic.scn", "--out", str(out), "--frames", "1", "--quiet")
    assert again.returncode == 1 and "--overwrite" in again.stderr and "Traceback" not in again.stderr
    assert json.loads((out / "manifest.json").read_text())["frames"] == 2


@pytest.mark.parametrize("args,message", [
    (["render", "scenarios/highway_basic.scn", "--out", "/proc/scenariosim-test"], "cannot create a dataset"),
    (["render", "scenarios/highway_basic.scn"], "required: --out"),
    (["render", "scenarios/highway_basic.scn", "--out", "x", "--frames", "0"], "--frames must be at least 1"),
    (["check", "/dev/zero"], "not a regular file"),
])
def test_bad_command_lines_and_paths_fail_in_one_line(args, message):
    res = run(*args)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and message in res.stderr
