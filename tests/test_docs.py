"""docs/language.md, machine-checked: every ```scn example loads and samples (or fails exactly as it says),
and the reference names everything the registries hold, so it cannot silently fall behind the code.

Each ```scn block is checked one way, chosen by its text and by HTML comments on the lines right above it:

- ``<!-- file: PATH -->``: the block is the file PATH; blocks that import it get it written next to them.
- ``<!-- files: PATH, PATH -->``: the block needs those files (each given by a ``file:`` block).
- ``<!-- error: TEXT -->`` (repeatable): loading and sampling the block must raise a ScenarioSimError whose
  formatted text contains every TEXT.
- A **whole file** has a top-level ``scenario``/``sweep`` line, or only top-level ``param``/``import``
  lines: it is loaded with ``loads_file``; each scenario it defines is sampled with several seeds and
  each sweep's runs are expanded and drawn.
- A **fragment** holds lines of one scenario block (fields, params, roads, actors, cameras, requires): it
  is wrapped into FRAGMENT_HEAD (minus what it sets itself) and checked like a whole file.
- Anything else fails: a block the test cannot classify.
"""
from __future__ import annotations

import argparse
import dataclasses
import re
import textwrap
from pathlib import Path

import pytest

from scenariosim.cli import _parser
from scenariosim.dsl import loads_file
from scenariosim.errors import ScenarioSimError, format_error
from scenariosim.spec import ROAD_GENERATORS, SWEEP_MODES, SWEEP_SAMPLERS, is_concrete, sample
from scenariosim.spec.behavior import CONTROLLERS, LIVE_ATTRIBUTES, MANEUVERS, SIGNALS
from scenariosim.spec.catalogue import ACTOR_KINDS, COLORS, DATASET_FORMATS, LABEL_KINDS
from scenariosim.sweep.plan import expand
from scenariosim.units import UNITS

DOC = Path(__file__).resolve().parents[1] / "docs" / "language.md"
TEXT = DOC.read_text(encoding="utf-8")

#: what a fragment is wrapped into; each line is left out when the fragment sets it itself
FRAGMENT_HEAD = {
    "seed": "seed: 1",
    "duration": "duration: 10 s",
    "timestep": "timestep: 0.05 s",
    "road main": "road main = highway(length: 1 km, lanes: 3)",
    "actor ego": "actor ego: car\n    at: lane(main, 2), s 100 m\n    speed: 100 km/h",
}
#: how a fragment's top-level lines may start
FRAGMENT_STATEMENTS = ("seed", "duration", "timestep", "max_attempts", "environment", "output", "road",
                       "actor", "camera", "param", "require")
#: seeds each scenario is sampled with (None: the file's own)
SEEDS = (None, 0, 1, 2, 3, 4)
#: the most runs of one sweep that are drawn
MAX_RUNS_DRAWN = 400

_MARK = re.compile(r"^<!--\s*(file|files|error):\s*(.*?)\s*-->\s*$")


@dataclasses.dataclass
class Block:
    line: int                       # line of the opening fence in the doc (1-based)
    text: str
    file: str | None = None
    needs: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def _blocks() -> list[Block]:
    """Every ```scn block with the markers on the lines right above its fence."""
    lines = TEXT.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```scn":
            i += 1
            continue
        start = i
        marks: list[tuple[str, str]] = []
        j = i - 1
        while j >= 0 and (m := _MARK.match(lines[j].strip())):
            marks.insert(0, (m.group(1), m.group(2)))
            j -= 1
        end = next((k for k in range(i + 1, len(lines)) if lines[k].strip() == "```"), None)
        assert end is not None, f"language.md:{start + 1}: ```scn block is never closed"
        block = Block(start + 1, "\n".join(lines[start + 1:end]) + "\n")
        for kind, value in marks:
            if kind == "file":
                assert block.file is None, f"language.md:{start + 1}: two file: markers"
                block.file = value
            elif kind == "files":
                block.needs += tuple(p.strip() for p in value.split(",") if p.strip())
            else:
                block.errors += (value,)
        blocks.append(block)
        i = end + 1
    return blocks


BLOCKS = _blocks()
FILES: dict[str, str] = {}
for _b in BLOCKS:
    if _b.file is not None:
        assert _b.file not in FILES, f"language.md:{_b.line}: a second block for file {_b.file}"
        FILES[_b.file] = _b.text


def _top_lines(text: str) -> list[str]:
    """Unindented lines that are not blank or comments."""
    return [line for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#") and not line[0].isspace()]


def classify(text: str) -> str | None:
    """'file', 'fragment', or None for a block the test cannot check."""
    tops = _top_lines(text)
    if not tops:
        return None
    if any(re.match(r"(scenario|sweep) ", line) for line in tops):
        return "file"
    if all(re.match(r"(param|import) ", line) for line in tops):
        return "file"
    if all(re.match(rf"({'|'.join(FRAGMENT_STATEMENTS)})\b", line) for line in tops):
        return "fragment"
    return None


def wrap(fragment: str) -> str:
    """A fragment inside a minimal scenario: FRAGMENT_HEAD lines it does not set itself, then its lines."""
    tops = _top_lines(fragment)

    def sets(key: str) -> bool:
        return any(re.match(rf"{key}\b", line) for line in tops)

    head = [line for key, line in FRAGMENT_HEAD.items()
            if not sets(key) and not (key == "actor ego" and sets("road main"))]
    return "scenario doc_fragment:\n" + textwrap.indent("\n".join(head) + "\n" + fragment, "    ")


def check(block: Block, folder: Path) -> None:
    """Load the block (its files written into ``folder``), sample its scenarios, draw its sweeps."""
    for path in block.needs:
        assert path in FILES, f"language.md:{block.line}: needs {path}, which no 'file:' block gives"
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(FILES[path], encoding="utf-8")
    kind = classify(block.text)
    assert kind is not None, (f"language.md:{block.line}: cannot classify this ```scn block: make it a whole "
                              f"file, a fragment of scenario lines, or mark it")
    text = block.text if kind == "file" else wrap(block.text)
    target = folder / (block.file or f"example_{block.line}.scn")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    loaded = loads_file(text, str(target))
    for name, spec in loaded.scenarios.items():
        if name not in loaded.own:
            continue
        for seed in SEEDS:
            concrete = sample(spec, seed)
            assert is_concrete(concrete), f"{name} with seed {seed}"
    for name, sweep in loaded.sweeps.items():
        if name not in loaded.own:
            continue
        runs = expand(sweep)
        assert runs, f"sweep {name} has no runs"
        for run in runs[:MAX_RUNS_DRAWN]:
            concrete = sample(sweep.scenario, run.seed, overrides=dict(run.point), unit=dict(run.unit))
            assert is_concrete(concrete), f"sweep {name} run {run.index}"


# ---- the examples ------------------------------------------------------------------------------

def test_doc_has_examples_of_every_kind():
    kinds = {classify(b.text) for b in BLOCKS}
    assert {"file", "fragment"} <= kinds
    assert any(b.errors for b in BLOCKS) and any(b.needs for b in BLOCKS)
    assert len(BLOCKS) >= 30


@pytest.mark.parametrize("block", BLOCKS, ids=[f"line{b.line}" for b in BLOCKS])
def test_example(block: Block, tmp_path: Path):
    if not block.errors:
        check(block, tmp_path)
        return
    with pytest.raises(ScenarioSimError) as info:
        check(block, tmp_path)
    shown = format_error(info.value)
    for expected in block.errors:
        assert expected in shown, f"language.md:{block.line}: expected {expected!r} in:\n{shown}"


def test_fragment_wrapping_keeps_what_the_fragment_sets():
    wrapped = wrap("seed: 9\nroad main = street(length: 200 m)\n")
    assert "seed: 1" not in wrapped and "seed: 9" in wrapped
    assert "highway" not in wrapped and "actor ego" not in wrapped
    assert classify("sweep s of x:\n    samples: 2\n") == "file"
    assert classify("grid:\n    a: [1, 2]\n") is None


# ---- the reference keeps up with the registries -------------------------------------------------

def _code(name: str) -> bool:
    """``name`` appears as code: `name`, `name(…)` or `name: …` inside backticks."""
    return re.search(r"`" + re.escape(name) + r"(`|\(|:)", TEXT) is not None


def _cli_commands() -> list[str]:
    """'check', 'render', …, and 'sweep list': every (sub)command of the CLI."""
    out: list[str] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out.append(f"{prefix}{name}")
                    walk(sub, f"{prefix}{name} ")

    walk(_parser(), "")
    return out


def _cli_options() -> list[str]:
    options: set[str] = set()

    def walk(parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    walk(sub)
            options.update(o for o in action.option_strings if o.startswith("--") and o not in ("--help",
                                                                                                  "--version"))

    walk(_parser())
    return sorted(options)


NAMES = {
    "road generator": list(ROAD_GENERATORS),
    "road argument": sorted({f.name for g in ROAD_GENERATORS.values() for f in dataclasses.fields(g)} - {"name"}),
    "actor kind": list(ACTOR_KINDS),
    "colour": list(COLORS),
    "label kind": list(LABEL_KINDS),
    "dataset format": list(DATASET_FORMATS),
    "maneuver": list(MANEUVERS),
    "maneuver argument": sorted({a for args in MANEUVERS.values() for a in args}),
    "controller": list(CONTROLLERS),
    "controller argument": sorted({a for args in CONTROLLERS.values() for a in args}),
    "signal": list(SIGNALS),
    "sweep sampler": list(SWEEP_SAMPLERS),
    "sweep mode": list(SWEEP_MODES),
    "unit": list(UNITS),
}


@pytest.mark.parametrize("what", NAMES)
def test_doc_names_every(what: str):
    missing = [name for name in NAMES[what] if not _code(name)]
    assert not missing, f"docs/language.md does not mention these {what}s as code: {missing}"


def test_doc_names_live_attributes():
    missing = [a for a in LIVE_ATTRIBUTES if f"`A.{a}`" not in TEXT]
    assert not missing, f"live attributes missing from docs/language.md: {missing}"


def test_doc_names_every_cli_command_and_option():
    missing = [c for c in _cli_commands() if f"scenariosim {c}" not in TEXT]
    missing += [o for o in _cli_options() if o not in TEXT]
    assert not missing, f"docs/language.md does not document: {missing}"


def _section(heading: str) -> str:
    """The text under the heading line that starts with ``heading``, up to the next heading (outside code)."""
    out: list[str] | None = None
    fenced = False
    for line in TEXT.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            if out is not None:
                break
            if line.startswith(heading):
                out = []
                continue
        if out is not None:
            out.append(line)
    assert out is not None, f"no section {heading!r} in docs/language.md"
    return "\n".join(out)


def _row(section: str, name: str) -> list[str]:
    """The cells of the table row of ``section`` that starts with `name`."""
    for line in section.splitlines():
        if line.startswith(f"| `{name}` |"):
            return [cell.strip() for cell in line.strip().strip("|").split("|")]
    raise AssertionError(f"no table row for `{name}`")


@pytest.mark.parametrize("generator", ROAD_GENERATORS)
def test_road_tables_match_the_generators(generator: str):
    """Each generator's table: every argument with its dimension, default and allowed range."""
    section = _section(f"#### `{generator}`")
    for f in dataclasses.fields(ROAD_GENERATORS[generator]):
        if f.name == "name":
            continue
        meta = f.metadata
        dimension = meta["dimension"]
        cells = _row(section, f.name)
        shown = {"count": "whole number", "fraction": "plain number"}.get(dimension, dimension)
        assert cells[1] == shown, f"{generator}.{f.name}"
        unit = {"count": "", "fraction": "", "angle": " rad"}.get(dimension, " m")
        default = "required" if f.default is dataclasses.MISSING else f"{f.default:g}{unit}"
        assert cells[2] == default, f"{generator}.{f.name} default"
        low, high = meta.get("minimum"), meta.get("maximum")
        allowed = (f"{low:g}..{high:g}".replace("-", "−") if high is not None else
                   f"≥ {low:g}{unit}" if low is not None else "any")
        assert cells[3] == allowed, f"{generator}.{f.name} allowed"
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) == len(dataclasses.fields(ROAD_GENERATORS[generator])) - 1, f"{generator}: extra rows"


def test_actor_catalogue_table_matches():
    section = _section("## Actors")
    for kind, (size, category) in ACTOR_KINDS.items():
        cells = _row(section, kind)
        assert cells[1] == " × ".join(f"{v:g}" for v in size), kind
        assert cells[2] == category, kind


@pytest.mark.parametrize("maneuver", [*MANEUVERS, *CONTROLLERS])
def test_behaviour_tables_list_every_argument(maneuver: str):
    cells = _row(_section("## Behaviour"), maneuver)
    args = {**MANEUVERS, **CONTROLLERS}[maneuver]
    missing = [a for a in args if f"`{a}:" not in cells[1]]
    assert not missing, f"{maneuver}: arguments missing from its row: {missing}"
    required = [a for a, spec in args.items() if spec.required]
    for a in required:
        assert re.search(rf"`{a}:[^`]*` \(required", cells[1]), f"{maneuver}: '{a}' not marked required"
