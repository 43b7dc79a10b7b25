"""Whole files: reading, imports, shared params, and every scenario and sweep a file defines.

``import "lib/x.scn"`` names a .scn file by a relative path with forward slashes. It resolves against
the importing file's folder and must stay inside it (symlinks resolved); failing that, against the
bundled library (scenariosim/library/). Absolute paths, ``..``, backslashes, other extensions and
cycles are errors at the import line. An import brings the imported file's top-level params and its
scenarios and sweeps (and, transitively, those of its imports).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path, PurePosixPath

from lark import Token, Tree

from scenariosim.dsl.compiler import ScenarioCompiler, error_order, compile_param, shown_path
from scenariosim.dsl.expressions import Cascade, ExpressionCompiler, ParamInfo, tree_depth_error
from scenariosim.dsl.parser import parse
from scenariosim.dsl.sweeps import SweepCompiler
from scenariosim.errors import ScenarioSimError, ScenarioValidationError, SourceLocation, raise_all, unknown
from scenariosim.spec import Param, ScenarioSpec, SweepSpec

#: the largest scenario file read [bytes]
MAX_FILE_BYTES = 1 << 20
#: the most files one load may read, imports included
MAX_FILES = 64
#: the bundled library of importable scenario files
LIBRARY = Path(__file__).resolve().parent.parent / "library"


@dataclasses.dataclass(frozen=True)
class ScenarioFile:
    """What a file defines: scenarios and sweeps by name (its own first, in file order, then imported)."""

    source: str
    scenarios: dict[str, ScenarioSpec]
    sweeps: dict[str, SweepSpec]
    own: tuple[str, ...]                                  # names this file itself defines, in order
    params: dict[str, tuple[Param, ParamInfo]]            # shared params, for files importing this one


def read(path: Path) -> str:
    """A scenario file's text; a missing, unreadable, non-regular or oversized file is a ScenarioSimError."""
    try:
        if not path.is_file():
            raise ScenarioSimError(f"cannot read scenario file '{path}': not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioSimError(f"scenario file '{path}' is larger than {MAX_FILE_BYTES >> 20} MiB")
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ScenarioSimError(f"cannot read scenario file '{path}': {reason}") from None


class Loader:
    """One load: a cache of compiled files by resolved path and the chain of files being imported."""

    def __init__(self) -> None:
        self.done: dict[Path, ScenarioFile] = {}
        self.chain: list[Path] = []

    def file(self, path: Path) -> ScenarioFile:
        resolved = path.resolve()
        if resolved not in self.done:
            if len(self.done) + len(self.chain) >= MAX_FILES:
                raise ScenarioSimError(f"more than {MAX_FILES} files are imported")
            self.chain.append(resolved)
            try:
                self.done[resolved] = self.text(read(path), str(path), resolved.parent)
            finally:
                self.chain.pop()
        return self.done[resolved]

    def text(self, text: str, filename: str, folder: Path) -> ScenarioFile:
        tree = parse(text, filename)
        lines = text.splitlines()
        exprs = ExpressionCompiler(filename, lines)
        deep = tree_depth_error(tree)
        if deep is not None:
            exprs.fail(deep, f"expression nests deeper than {ExpressionCompiler.MAX_DEPTH} levels")
        errors: list[ScenarioSimError] = []
        scenarios: dict[str, ScenarioSpec] = {}
        sweeps: dict[str, SweepSpec] = {}
        params: dict[str, tuple[Param, ParamInfo]] = {}
        own: list[str] = []
        top = tree.children

        def gather(work, names=()) -> None:
            try:
                work()
            except Cascade:
                pass
            except ScenarioSimError as err:
                errors.extend(err.errors)
                exprs.broken.update(names)

        for node in (n for n in top if n.data == "import"):
            gather(lambda n=node: self.merge(self.imported(n, exprs, folder), scenarios, sweeps, params, exprs, n))
        exprs.params = {name: info for name, (_, info) in params.items()}
        for node in (n for n in top if n.data == "param"):
            gather(lambda n=node: self.shared_param(n, exprs, params), [str(node.children[0])])
        for node in (n for n in top if n.data in ("scenario", "sweep")):
            name = node.children[0]
            if name in own or (name in scenarios and node.data == "scenario") or (name in sweeps and node.data == "sweep"):
                gather(lambda n=name: exprs.fail(n, f"'{n}' is defined twice"))
                continue
            own.append(str(name))
            if node.data == "scenario":
                gather(lambda n=node: scenarios.__setitem__(
                    str(n.children[0]), ScenarioCompiler(filename, lines, params, exprs.broken, folder).scenario(n)))
        own_scenarios = {n: scenarios.pop(n) for n in own if n in scenarios}
        scenarios = {**own_scenarios, **scenarios}
        failed = {str(n.children[0]) for n in top if n.data == "scenario"} - set(scenarios)
        for node in (n for n in top if n.data == "sweep" and str(n.children[1]) not in failed):
            gather(lambda n=node: sweeps.__setitem__(str(n.children[0]), SweepCompiler(filename, lines)
                                                     .sweep(n, scenarios)))
        own_sweeps = {n: sweeps.pop(n) for n in own if n in sweeps}
        raise_all(sorted(errors, key=error_order))
        return ScenarioFile(filename, scenarios, {**own_sweeps, **sweeps}, tuple(own), params)

    def imported(self, node: Tree, exprs: ExpressionCompiler, folder: Path) -> ScenarioFile:
        token: Token = node.children[0]
        raw = str(token)[1:-1]
        path = PurePosixPath(raw)
        if not raw or "\\" in raw or raw.startswith("/") or path.is_absolute() or ":" in raw or \
                shown_path(raw) != raw:          # a control character
            exprs.fail(token, f"import needs a relative path like \"lib/vehicles.scn\", got {shown_path(token)}")
        if ".." in path.parts or any(part.startswith(".") and part != "." for part in path.parts):
            exprs.fail(token, f"import paths may not use '..' or hidden names: {token}")
        if path.suffix != ".scn":
            exprs.fail(token, f"only .scn files can be imported, got {token}")
        try:
            candidate = _resolve(path, folder, token, exprs)
        except (OSError, RuntimeError) as err:          # symlink loops, names too long for the system
            exprs.fail(token, f"cannot read import {token}: {getattr(err, 'strerror', None) or err}")
        if candidate in self.chain:
            cycle = " → ".join(p.name for p in self.chain[self.chain.index(candidate):]) + f" → {candidate.name}"
            exprs.fail(token, f"import cycle: {cycle}")
        try:
            return self.file(candidate)
        except ScenarioSimError as err:
            if err.location is not None:
                raise
            raise type(err)(err.message, location=exprs.loc(token)) from None

    @staticmethod
    def merge(other: ScenarioFile, scenarios: dict, sweeps: dict, params: dict, exprs: ExpressionCompiler,
              node: Tree) -> None:
        """Add an imported file's definitions; the same name from two places is an error."""
        for mine, theirs, what in ((scenarios, other.scenarios, "scenario"), (sweeps, other.sweeps, "sweep"),
                                   (params, other.params, "param")):
            for name, value in theirs.items():
                if name in mine and mine[name] is not value:
                    exprs.fail(node, f"{what} '{name}' from {other.source} is already defined")
                mine[name] = value

    @staticmethod
    def shared_param(node: Tree, exprs: ExpressionCompiler, params: dict) -> None:
        name = node.children[0]
        if name in params:
            exprs.fail(name, f"param '{name}' is declared twice (first at {params[name][1].line})")
        param, info = compile_param(exprs, node)
        params[str(name)] = (param, info)
        exprs.params[str(name)] = info


def _resolve(path: PurePosixPath, folder: Path, token, exprs: ExpressionCompiler) -> Path:
    """The file an import names: in the importing folder, else in the bundled library; never outside."""
    for base in (folder, LIBRARY):
        candidate = (base / path).resolve()
        if candidate.is_relative_to(base.resolve()) and candidate.is_file():
            return candidate
        if (base / path).exists() and not candidate.is_relative_to(base.resolve()):
            exprs.fail(token, f"import {token} leads outside its folder (through a link)")
    exprs.fail(token, f"cannot find import {token} in {folder} or the bundled library")


def pick(file: ScenarioFile, name: str | None, kind: str) -> ScenarioSpec | SweepSpec:
    """The named scenario or sweep of ``file`` or, without a name, the first the file itself defines."""
    table = file.scenarios if kind == "scenario" else file.sweeps
    start = SourceLocation(file.source, 1, 1)
    if name is not None:
        if name not in table:
            raise ScenarioValidationError(unknown(kind, name, table), location=start)
        return table[name]
    for own in file.own:
        if own in table:
            return table[own]
    raise ScenarioValidationError(f"the file defines no {kind}", location=start)

