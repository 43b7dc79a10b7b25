"""Scenario text never executes anything: code-like values are located errors, and loading runs,
imports, opens and writes nothing beyond the scenario files themselves.

"Nothing ran" is proven three ways: a process-wide audit hook (PEP 578) that records exec, eval,
compile, imports, process starts and file opens while a load is in progress; the set of loaded
modules before and after; and a sentinel file that a working exploit would create.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from scenariosim.dsl import load, loads
from scenariosim.errors import ScenarioSimError, ScenarioSyntaxError

#: audit events that mean code ran, a process or connection started, or the file system changed
_FORBIDDEN = ("exec", "compile", "import", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
              "os.forkpty", "os.startfile", "os.kill", "os.putenv", "os.unsetenv", "os.remove", "os.rename",
              "os.mkdir", "os.rmdir", "os.symlink", "os.link", "os.truncate", "os.chmod", "os.chown", "os.utime",
              "subprocess.Popen", "pty.spawn", "shutil.", "ctypes.", "socket.", "webbrowser.", "urllib.")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_recording: list[tuple[str, tuple]] | None = None


def _hook(event: str, args: tuple) -> None:
    if _recording is not None and (event == "open" or event.startswith(_FORBIDDEN)):
        _recording.append((event, args[:3] if event == "open" else ()))


sys.addaudithook(_hook)  # audit hooks cannot be removed; it does nothing outside `_audited`


@contextmanager
def _audited(readable: Path | None = None):
    """Fail if the block runs code, starts anything, imports a new module, writes a file or opens one
    outside ``readable`` (a folder; None: no file may be opened at all)."""
    global _recording
    modules, _recording = set(sys.modules), []
    try:
        yield
    finally:
        events, _recording = _recording, None
    bad = []
    for event, args in events:
        if event != "open":
            bad.append(event)
            continue
        path, mode, flags = args
        writes = any(c in (mode or "") for c in "wax+") or bool((flags or 0) & _WRITE_FLAGS)
        inside = readable is not None and isinstance(path, (str, Path)) and Path(path).resolve().is_relative_to(
            readable.resolve())
        if writes or not inside:
            bad.append(f"open({path!r}, {mode!r})")
    assert not bad, f"loading did {bad}"
    assert set(sys.modules) == modules, f"loading imported {sorted(set(sys.modules) - modules)}"


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


# ---- code-like values --------------------------------------------------------------------------

def _scenario(*, road="highway(length: 1 km)", param="1 m", kind="car", speed="100 km/h", extra=""):
    return (f"scenario safety:\n    seed: 1\n    duration: 4 s\n    timestep: 0.05 s\n"
            f"    road main = {road}\n"                       # line 5
            f"    param p = {param}\n"                        # line 6
            f"    actor ego: {kind}\n"                        # line 7
            f"        at: lane(main, 1), s 100 m\n"
            f"        speed: {speed}\n"                       # line 9
            f"{extra}")                                       # line 10


#: a place in the scenario → (its line, the scenario with a value there)
VALUE_AT = {
    "speed": (9, lambda v: _scenario(speed=v)),
    "param": (6, lambda v: _scenario(param=v)),
    "actor kind": (7, lambda v: _scenario(kind=v)),
    "road": (5, lambda v: _scenario(road=v)),
}
#: a place that takes a name → (its line, the scenario with that name there)
NAME_AT = {
    "road generator": (5, lambda n: _scenario(road=f"{n}(length: 1 km)")),
    "field name": (10, lambda n: _scenario(extra=f"        {n}: 1\n")),
    "actor kind": (7, lambda n: _scenario(kind=n)),
    "speed": (9, lambda n: _scenario(speed=n)),
}
#: SENTINEL is replaced by a path that a working exploit would create
PAYLOADS = [
    '__import__("os").system("touch SENTINEL")',
    '__import__("tabnanny")',
    'eval("1")',
    "exec(\"open('SENTINEL', 'w')\")",
    'open("SENTINEL", "w")',
    'open("/etc/passwd")',
    'os.system("touch SENTINEL")',
    'subprocess.Popen("touch SENTINEL")',
    'getattr(ego, "speed")',
    "ego.__class__",
    "ego.speed.__class__.__init__.__globals__",
    "().__class__.__bases__",
    "lambda: 1",
    '(lambda: __import__("os"))()',
    "`touch SENTINEL`",
    "$(touch SENTINEL)",
    "${touch SENTINEL}",
    "{{ 7 * 7 }}",
    "{{ self.__init__.__globals__ }}",
    '!!python/object/apply:os.system ["touch SENTINEL"]',
]
NAMES = ["__import__", "eval", "exec", "compile", "open", "getattr", "globals", "__class__", "__builtins__",
         "__dict__", "system"]


def _assert_rejected(text: str, line: int, sentinel: Path) -> None:
    for warm in (_scenario(speed="no_such_name"), _scenario(kind="no_such_kind"), _scenario(speed="1 m +")):
        try:  # the loader's own error paths once, so their lazy imports (if any) are not counted below
            loads(warm, "warm.scn")
        except ScenarioSimError:
            pass
    text = text.replace("SENTINEL", str(sentinel))
    with _audited(), pytest.raises(ScenarioSimError) as info:
        loads(text, "unsafe.scn")
    loc = info.value.location
    assert loc is not None and (loc.file, loc.line) == ("unsafe.scn", line), str(info.value)
    assert not sentinel.exists()


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("place", VALUE_AT)
def test_code_like_value_is_a_located_error_and_runs_nothing(place, payload, tmp_path):
    line, build = VALUE_AT[place]
    _assert_rejected(build(payload), line, tmp_path / "pwned")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("place", NAME_AT)
def test_python_name_is_a_located_error(place, name, tmp_path):
    line, build = NAME_AT[place]
    _assert_rejected(build(name), line, tmp_path / "pwned")


def test_loading_a_file_writes_nothing(tmp_path):
    good, bad = tmp_path / "good.scn", tmp_path / "bad.scn"
    good.write_text(_scenario(), encoding="utf-8")
    bad.write_text(_scenario(speed="1 m"), encoding="utf-8")
    load(good)  # warm-up (the file codec is imported lazily)
    before = _listing(tmp_path)
    with _audited(readable=tmp_path):
        assert load(good).name == "safety"
        with pytest.raises(ScenarioSimError):
            load(bad)
    assert _listing(tmp_path) == before


# ---- imports: relative .scn paths that stay inside the importing file's folder ----------------

LIBRARY = "# shared values\nparam shared_gap = 40 m\n"
IMPORT_LINE = 2


def _importer(path: str) -> str:
    return f'# a scenario with an import\nimport "{path}"\n' + _scenario()


@pytest.fixture()
def project(tmp_path) -> Path:
    """tmp/proj/{main.scn, lib/x.scn, lib/x.txt, lib/shared.scn -> tmp/outside/shared.scn} and tmp/x.scn:
    every library file is itself valid, so only where it lies can make an import fail."""
    proj = tmp_path / "proj"
    (proj / "lib").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    for path in (proj / "lib" / "x.scn", proj / "lib" / "x.txt", tmp_path / "x.scn",
                 tmp_path / "outside" / "shared.scn"):
        path.write_text(LIBRARY, encoding="utf-8")
    try:
        (proj / "lib" / "shared.scn").symlink_to(tmp_path / "outside" / "shared.scn")
    except OSError:
        pass  # no symlinks here: that case skips itself
    return proj


def _load_main(project: Path, path: str):
    main = project / "main.scn"
    main.write_text(_importer(path), encoding="utf-8")
    return main, load(main)


def test_import_inside_the_folder_loads_and_writes_nothing(project):
    main = project / "main.scn"
    main.write_text(_importer("lib/x.scn"), encoding="utf-8")
    load(main)  # warm-up
    before = _listing(project.parent)
    with _audited(readable=project):
        assert load(main).name == "safety"
    assert _listing(project.parent) == before


def test_import_resolves_against_the_importing_files_folder(project):
    (project / "lib" / "x.scn").write_text('import "y.scn"\n' + LIBRARY, encoding="utf-8")
    (project / "lib" / "y.scn").write_text("param other_gap = 30 m\n", encoding="utf-8")
    assert _load_main(project, "lib/x.scn")[1].name == "safety"


REJECTED_IMPORTS = {
    "absolute path to /etc": "/etc/hosts",
    "absolute path inside the folder": "{proj}/lib/x.scn",
    "parent folder": "../x.scn",
    "parent folder after a subfolder": "lib/../../x.scn",
    "symlink out of the folder": "lib/shared.scn",
    "not a .scn file": "lib/x.txt",
    "a folder": "lib",
    "missing file": "lib/missing.scn",
}


@pytest.mark.parametrize("path", REJECTED_IMPORTS.values(), ids=REJECTED_IMPORTS.keys())
def test_import_outside_the_folder_or_not_a_scenario_is_a_located_error(project, path):
    path = path.format(proj=project)
    if path == "lib/shared.scn" and not (project / path).is_symlink():
        pytest.skip("symlinks are not available")
    with pytest.raises(ScenarioSimError) as info:
        _load_main(project, path)
    assert not isinstance(info.value, ScenarioSyntaxError), f"the import line is valid syntax: {info.value}"
    loc = info.value.location
    assert loc is not None and (loc.file, loc.line) == (str(project / "main.scn"), IMPORT_LINE), str(info.value)


@pytest.mark.parametrize("other", ["b.scn", "a.scn"], ids=["a imports b imports a", "a imports itself"])
def test_import_cycle_is_a_located_error(tmp_path, other):
    a = tmp_path / "a.scn"
    a.write_text(_importer(other), encoding="utf-8")
    if other == "b.scn":
        (tmp_path / "b.scn").write_text('# b\nimport "a.scn"\n' + LIBRARY, encoding="utf-8")
    with pytest.raises(ScenarioSimError) as info:
        load(a)
    loc = info.value.location
    assert loc is not None and loc.line == IMPORT_LINE, str(info.value)
    assert Path(loc.file).name in ("a.scn", "b.scn"), str(info.value)
    assert "cycle" in info.value.message.lower(), str(info.value)


def _not_utf8(proj: Path) -> None:
    (proj / "lib" / "x.scn").write_bytes(b"param bad = 1 m\n\xff\xfe\n")


def _over_1_mib(proj: Path) -> None:
    (proj / "lib" / "x.scn").write_text("#" * (2 << 20) + "\n" + LIBRARY, encoding="utf-8")


def _chain_of_200(proj: Path) -> None:
    """lib/x.scn imports f0.scn, which imports f1.scn … f199.scn: past any sane cap on imported files."""
    (proj / "lib" / "x.scn").write_text('import "f0.scn"\n' + LIBRARY, encoding="utf-8")
    for i in range(200):
        following = f'import "f{i + 1}.scn"\n' if i < 199 else ""
        (proj / "lib" / f"f{i}.scn").write_text(following + f"param p{i} = 1 m\n", encoding="utf-8")


@pytest.mark.parametrize("spoil", [_not_utf8, _over_1_mib, _chain_of_200],
                         ids=["not UTF-8", "over 1 MiB", "200 chained imports"])
def test_import_that_cannot_be_loaded_is_located_at_an_import_line(project, spoil):
    """A bad imported file is an error in the importing text: it points at an import line."""
    spoil(project)
    with pytest.raises(ScenarioSimError) as info:
        _load_main(project, "lib/x.scn")
    assert not isinstance(info.value, ScenarioSyntaxError), f"the import line is valid syntax: {info.value}"
    loc = info.value.location
    assert loc is not None, str(info.value)
    line = Path(loc.file).read_text(encoding="utf-8", errors="replace").splitlines()[loc.line - 1]
    assert line.startswith("import "), f"{info.value} points at {line!r}"
