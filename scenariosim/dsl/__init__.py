"""The scenario language: the only code that knows the .scn file syntax.

``load(path)`` and ``loads(text)`` parse, compile and validate a scenario into a ScenarioSpec
(SI units); ``load_file`` gives every scenario and sweep a file defines; ``parse_override`` reads a
``--set name=value`` against a spec's params. Every error names file:line:col (``errors.format_error``
adds the source line and a caret); a file with several errors raises them together (ScenarioErrors).
"""
from __future__ import annotations

from os import PathLike
from pathlib import Path

from scenariosim.dsl.files import MAX_FILE_BYTES, Loader, ScenarioFile, pick
from scenariosim.dsl.overrides import parse_override
from scenariosim.errors import ScenarioSimError
from scenariosim.spec import ScenarioSpec, SweepSpec

__all__ = ["MAX_FILE_BYTES", "ScenarioFile", "load", "load_file", "load_sweep", "loads", "parse_override"]


def load_file(path: str | PathLike[str]) -> ScenarioFile:
    """Every scenario and sweep of a .scn file (a UTF-8 byte-order mark is accepted)."""
    return Loader().file(Path(path))


def loads_file(text: str, filename: str = "<string>") -> ScenarioFile:
    """``load_file`` for text; imports resolve against the folder of ``filename`` (the working
    folder for '<string>')."""
    text = text.removeprefix("\ufeff")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ScenarioSimError(f"scenario text '{filename}' is larger than {MAX_FILE_BYTES >> 20} MiB")
    folder = Path(filename).parent if not filename.startswith("<") else Path.cwd()
    return Loader().text(text, filename, folder)


def load(path: str | PathLike[str], name: str | None = None) -> ScenarioSpec:
    """The scenario ``name`` of a .scn file, or the first scenario the file itself defines."""
    return pick(load_file(path), name, "scenario")


def loads(text: str, filename: str = "<string>", name: str | None = None) -> ScenarioSpec:
    """``load`` for text; ``filename`` names it in errors and becomes ``spec.source``."""
    return pick(loads_file(text, filename), name, "scenario")


def load_sweep(path: str | PathLike[str], name: str | None = None) -> SweepSpec:
    """The sweep ``name`` of a .scn file, or the first sweep the file itself defines."""
    return pick(load_file(path), name, "sweep")
