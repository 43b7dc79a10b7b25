"""``--set name=value``: a value in the scenario language, checked against the param's dimension."""
from __future__ import annotations

from scenariosim.dsl.expressions import ExpressionCompiler, is_tree, param_infos, tree_depth_error
from scenariosim.dsl.parser import parse
from scenariosim.errors import ScenarioSimError, ScenarioValidationError, unknown
from scenariosim.spec import Expr, ScenarioSpec
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
    if (deep := tree_depth_error(tree)) is not None:
        compiler.fail(deep, f"expression nests deeper than {ExpressionCompiler.MAX_DEPTH} levels")
    infos = param_infos(spec.params)
    position = [q.name for q in spec.params].index(name)
    compiler.params = {p.name: infos[p.name] for p in spec.params[:position]}   # drawn before it: usable
    if infos[name].dimension is None:
        options = infos[name].options
        known = next((t for t in (ACTOR_KINDS, COLORS) if all(o in t for o in options)), options)
        if not is_tree(node, "ref") or node.children[0] not in known:
            raise ScenarioValidationError(f"{where}: {name} takes a name: "
                                          f"{unknown('name', str(node.children[0]) if is_tree(node, 'ref') else value, known)}")
        return str(node.children[0])
    q = compiler.quantity(node, name)
    if q.dimension != old.dimension:
        raise ScenarioValidationError(f"{where}: {name} needs {old.dimension.noun}, got {q.described()}")
    return q.value if q.fixed else q.expr
