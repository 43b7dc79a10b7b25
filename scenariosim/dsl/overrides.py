"""``--set name=value``: a value in the scenario language, checked against the param's dimension."""
from __future__ import annotations

from scenariosim.dsl.expressions import ExpressionCompiler, ParamInfo, is_tree
from scenariosim.dsl.parser import parse
from scenariosim.errors import ScenarioSimError, ScenarioValidationError, unknown
from scenariosim.spec import Choice, Expr, ScenarioSpec
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS


def parse_override(spec: ScenarioSpec, text: str) -> tuple[str, float | str | Expr]:
    """``"gap0=30 m"`` → ("gap0", 30.0): the param's new value (SI float, a name, or a distribution)."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    where = f"--set {text}"
    if not sep or not name or not value:
        raise ScenarioValidationError(f"{where}: expected NAME=VALUE, like gap0=30m or 'gap0=30 m'")
    params = {p.name: p for p in spec.params}
    if name not in params:
        raise ScenarioValidationError(f"{where}: {unknown('param', name, params)}")
    # the value alone, parsed as a shared param of a file would be
    source = f"param {name} = {value}\n"
    try:
        return name, _value(spec, name, source, where, value, params[name].value)
    except ScenarioSimError as err:
        if err.message.startswith(where):
            raise
        raise ScenarioValidationError(f"{where}: {err.message}") from None


def _value(spec: ScenarioSpec, name: str, source: str, where: str, value: str, old) -> float | str | Expr:
    tree = parse(source, "--set")
    node = tree.children[0].children[1]
    compiler = ExpressionCompiler("--set", source.splitlines())
    earlier = [p for p in spec.params[:[q.name for q in spec.params].index(name)]]
    compiler.params = {p.name: _info(p) for p in earlier}       # drawn before it, so it may use them
    if isinstance(old, Choice) or getattr(old, "dimension", 0) is None:
        known = next((t for t in (ACTOR_KINDS, COLORS) if all(o in t for o in getattr(old, "options", ()))), ())
        if not is_tree(node, "ref") or node.children[0] not in known:
            raise ScenarioValidationError(f"{where}: {name} takes a name: "
                                          f"{unknown('name', str(node.children[0]) if is_tree(node, 'ref') else value, known)}")
        return str(node.children[0])
    q = compiler.quantity(node, name)
    if q.dimension != old.dimension:
        raise ScenarioValidationError(f"{where}: {name} needs {old.dimension.noun}, got {q.described()}")
    return q.value if q.fixed else q.expr


def _info(param) -> ParamInfo:
    dimension = getattr(param.value, "dimension", None)
    return ParamInfo(dimension, None if dimension is None else dimension.si)
