"""The command line: thin, with heavy imports inside each command so ``--help`` answers instantly.

Every user-facing error prints ``error: file:line:col: message`` (with the source line and a caret
where a location is known; several errors of one file all at once) and exits with code 1; never a
traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from scenariosim import __version__
from scenariosim.errors import ScenarioSimError, format_error, unknown


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line with exit code 1 like every other error."""

    def error(self, message: str):
        self.exit(1, f"error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scenariosim", description="Procedural driving scenarios → labeled datasets.")
    p.add_argument("--version", action="version", version=f"scenariosim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def scenario_args(cmd, seed_help: str = "override the scenario's seed") -> None:
        cmd.add_argument("file", type=Path)
        cmd.add_argument("--scenario", metavar="NAME", help="which scenario of the file (default: its first)")
        cmd.add_argument("--seed", type=int, metavar="S", help=seed_help)
        cmd.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                         help="replace a param, unit-checked: --set 'gap0=30 m' (repeatable)")

    check = sub.add_parser("check", help="parse, validate and sample a scenario file once")
    check.add_argument("file", type=Path)
    check.add_argument("--json", action="store_true", help="print the result as JSON (for editors)")

    render = sub.add_parser("render", help="render a scenario into a labeled dataset folder")
    scenario_args(render)
    render.add_argument("--out", type=Path, required=True, help="dataset folder to create")
    render.add_argument("--frames", type=int, metavar="N", help="render at most N frames per camera")
    render.add_argument("--overwrite", action="store_true", help="replace an existing dataset in --out")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.add_argument("--formats", metavar="LIST",
                        help="dataset formats, comma-separated: coco, kitti, yolo, cityscapes "
                             "(default: the scenario's output statement)")

    validate = sub.add_parser("validate", help="check a written dataset against its manifest and the format rules")
    validate.add_argument("folder", type=Path)

    sample = sub.add_parser("sample", help="write the concrete scenario drawn with a seed, as a .scn file")
    scenario_args(sample, "the seed to draw with (default: the scenario's)")
    sample.add_argument("--out", type=Path, metavar="FILE", help="file to write (default: standard output)")

    sweep = sub.add_parser("sweep", help="work with the sweeps of a file")
    sweep_sub = sweep.add_subparsers(dest="sweep_command", required=True, metavar="ACTION")
    listing = sweep_sub.add_parser("list", help="list the runs of a sweep: index, cell, sample, seed, values")
    listing.add_argument("file", type=Path)
    listing.add_argument("--sweep", metavar="NAME", help="which sweep of the file (default: its first)")
    listing.add_argument("--json", action="store_true", help="one JSON object per run")
    return p


def _sampled(args):
    """The scenario of ``args.file`` with ``--set`` applied, drawn with ``--seed``; and its stats."""
    from scenariosim.dsl import load, parse_override
    from scenariosim.spec.sampling import sample_with_stats

    if args.seed is not None and not 0 <= args.seed < 2 ** 63:
        raise ScenarioSimError("--seed must be in 0..2**63-1")
    spec = load(args.file, args.scenario)
    overrides = dict(parse_override(spec, text) for text in args.set)
    return sample_with_stats(spec, args.seed, overrides=overrides)


def _check(args) -> int:
    from scenariosim.dsl import load_file
    from scenariosim.spec.sampling import sample_with_stats

    try:
        file = load_file(args.file)
        drawn = {name: sample_with_stats(spec) for name, spec in file.scenarios.items() if name in file.own}
        for name, (spec, _) in drawn.items():          # the roads build and every actor has its place
            _world(spec)
            _lenses(spec)
    except ScenarioSimError as err:
        if not args.json:
            raise
        print(json.dumps({"file": str(args.file), "ok": False, "errors": [_error_json(e) for e in err.errors]}))
        return 1
    if args.json:
        print(json.dumps({"file": str(args.file), "ok": True, "errors": [],
                          "scenarios": [{"name": n, "actors": len(s.actors), "attempts": st.attempts}
                                        for n, (s, st) in drawn.items()],
                          "sweeps": [n for n in file.sweeps if n in file.own]}))
        return 0
    for name, (spec, stats) in drawn.items():
        print(f"{args.file}: ok: scenario '{name}', {len(spec.roads)} road(s), {len(spec.actors)} actor(s), "
              f"{len(spec.cameras)} camera(s), {spec.duration:g} s at {spec.timestep:g} s steps"
              + (f", {stats.attempts} draws to meet its requirements" if stats.attempts > 1 else ""))
    for name in (n for n in file.sweeps if n in file.own):
        from scenariosim.sweep.plan import count
        print(f"{args.file}: ok: sweep '{name}' of '{file.sweeps[name].scenario.name}', "
              f"{count(file.sweeps[name])} run(s)")
    if not file.own:
        print(f"{args.file}: ok: a library of {len(file.params)} shared param(s)")
    return 0


def _world(spec) -> None:
    """Build the drawn scenario's roads and world: what only geometry can tell (a ramp too short, an
    actor past the end of its lane, a walk across a road without a sidewalk opposite) is found by ``check``
    too, with the scenario's locations."""
    from scenariosim.roads import build
    from scenariosim.spec import locate
    from scenariosim.world import build_world

    try:
        build_world(spec, build(spec.roads))
    except ScenarioSimError as err:
        field = err.field
        if err.location is None and field and spec.locations:
            raise type(err)(err.message, location=locate(spec.locations, field), field=field) from None
        raise


def _lenses(spec) -> None:
    """Every camera's lens can be drawn (render.postprocess.render_camera: no fold-over, padding within
    bounds), reported at the camera's distortion field."""
    from scenariosim.errors import RenderError, ScenarioValidationError
    from scenariosim.render.postprocess import render_camera
    from scenariosim.sensors.camera import camera_from_spec
    from scenariosim.spec import locate

    for i, cam in enumerate(spec.cameras):
        try:
            render_camera(camera_from_spec(cam, None if cam.mount is None else (0.0, 0.0, 0.0, 0.0)))
        except RenderError as err:
            field = f"cameras[{i}].distortion"
            raise ScenarioValidationError(f"camera '{cam.name}': {err.message}", location=locate(spec.locations, field),
                                          field=field) from None


def _error_json(err: ScenarioSimError) -> dict:
    loc = err.location
    return {"file": loc.file if loc else None, "line": loc.line if loc else None,
            "column": loc.column if loc else None, "message": err.message, "field": err.field}


def _render(args) -> int:
    from scenariosim.batch import render_scenario

    if args.frames is not None and args.frames < 1:
        raise ScenarioSimError("--frames must be at least 1")
    formats = None if args.formats is None else _formats(args.formats)
    spec, stats = _sampled(args)
    if not spec.cameras:
        raise ScenarioSimError(f"{args.file}: the scenario has no camera, so there is nothing to render")
    n = render_scenario(spec, args.out, max_frames=args.frames, overwrite=args.overwrite, progress=not args.quiet,
                        formats=formats, parameters=stats.params)
    print(f"wrote {n} frame(s) to {args.out}")
    return 0


def _formats(text: str) -> tuple[str, ...]:
    """--formats: known names, comma-separated, each once."""
    from scenariosim.spec.catalogue import DATASET_FORMATS

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        if name not in DATASET_FORMATS:
            raise ScenarioSimError(f"--formats: {unknown('dataset format', name, DATASET_FORMATS)}")
    if not names:
        raise ScenarioSimError(f"--formats needs at least one of {', '.join(DATASET_FORMATS)}")
    return tuple(dict.fromkeys(names))


def _validate(args) -> int:
    from scenariosim.dataset.validate import validate_dataset

    problems = validate_dataset(args.folder)
    if problems:
        print(f"error: {args.folder}: {len(problems)} problem(s), the first:", file=sys.stderr)
        for line in problems[:20]:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"{args.folder}: ok")
    return 0


def _sample(args) -> int:
    from scenariosim.dataset.files import write_text_atomic
    from scenariosim.dsl.writer import to_text

    spec, _ = _sampled(args)
    try:
        text = to_text(spec, None if args.out is None else Path(args.out).resolve().parent)  # mesh paths from there
    except ValueError as err:           # a value the language cannot write back
        raise ScenarioSimError(f"{args.file}: cannot write the drawn scenario: {err}") from None
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _sweep(args) -> int:
    from scenariosim.dsl import load_sweep
    from scenariosim.sweep.plan import expand

    sweep = load_sweep(args.file, args.sweep)
    units = {a.param: a.unit for a in sweep.axes}
    for run in expand(sweep):
        if args.json:
            print(json.dumps({"index": run.index, "cell": run.cell, "sample": run.sample, "seed": run.seed,
                              "point": dict(run.point), "unit": dict(run.unit)}))
        else:
            values = ", ".join(f"{k}={_shown(v, units.get(k))}" for k, v in run.point)
            print(f"{run.index}\tcell {run.cell}\tsample {run.sample}\tseed {run.seed}\t{values}")
    return 0


def _shown(value, unit: str | None) -> str:
    """A swept value in the unit the file wrote it in."""
    if isinstance(value, str) or not unit:
        return str(value)
    from scenariosim.units import UNITS
    if unit == "%":
        return f"{value * 100:g} %"
    if unit == "clock":
        minutes = round(value / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    factor = UNITS[unit][1] if unit in UNITS else 1.0
    return f"{value / factor:g} {unit}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"check": _check, "render": _render, "sample": _sample, "sweep": _sweep, "validate": _validate}
    try:
        return commands[args.command](args)
    except ScenarioSimError as err:
        print(format_error(err), file=sys.stderr)
        return 1
    except BrokenPipeError:                    # output piped into `head` and closed: not an error
        sys.stdout = open(os.devnull, "w")     # noqa: SIM115 (keeps the interpreter's final flush quiet)
        return 0
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
