"""The scenario language: the only code that knows the .scn file syntax.

``load(path)`` and ``loads(text)`` parse, compile and validate a scenario into a ScenarioSpec
(SI units); every error they raise is one line that names file:line:col.
"""
from __future__ import annotations

from os import PathLike
from pathlib import Path

from scenariosim.dsl.compiler import compile_tree
from scenariosim.dsl.parser import parse
from scenariosim.errors import ScenarioSimError
from scenariosim.spec import ScenarioSpec

__all__ = ["load", "loads"]


def loads(text: str, filename: str = "<string>") -> ScenarioSpec:
    """Compile scenario text; ``filename`` names it in errors and becomes ``spec.source``."""
    return compile_tree(parse(text, filename), filename)


def load(path: str | PathLike[str]) -> ScenarioSpec:
    """Read and compile a .scn file; a missing or unreadable file is a ScenarioSimError naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ScenarioSimError(f"cannot read scenario file '{path}': {reason}") from None
    return loads(text, str(path))
