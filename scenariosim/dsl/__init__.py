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


#: the largest scenario file read [bytes]
MAX_FILE_BYTES = 1 << 20


def load(path: str | PathLike[str]) -> ScenarioSpec:
    """Read and compile a .scn file; a missing, unreadable, non-regular or oversized file is a
    ScenarioSimError naming it. A UTF-8 byte-order mark is accepted."""
    p = Path(path)
    try:
        if not p.is_file():
            raise ScenarioSimError(f"cannot read scenario file '{path}': not a regular file")
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioSimError(f"scenario file '{path}' is larger than {MAX_FILE_BYTES >> 20} MiB")
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ScenarioSimError(f"cannot read scenario file '{path}': {reason}") from None
    return loads(text, str(path))
