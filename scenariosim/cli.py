"""The command line: thin, with heavy imports inside each command so ``--help`` answers instantly.

Every user-facing error prints one line (``file:line:col: message`` where a location is known)
and exits with code 1; never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scenariosim import __version__
from scenariosim.errors import ScenarioSimError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line with exit code 1 like every other error."""

    def error(self, message: str):
        self.exit(1, f"error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scenariosim", description="Procedural driving scenarios → labeled datasets.")
    p.add_argument("--version", action="version", version=f"scenariosim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="parse and validate a scenario file")
    check.add_argument("file", type=Path)

    render = sub.add_parser("render", help="render a scenario into a labeled dataset folder")
    render.add_argument("file", type=Path)
    render.add_argument("--out", type=Path, required=True, help="dataset folder to create")
    render.add_argument("--frames", type=int, metavar="N", help="render at most N frames per camera")
    render.add_argument("--seed", type=int, metavar="S", help="override the scenario's seed")
    render.add_argument("--overwrite", action="store_true", help="replace an existing dataset in --out")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _check(args) -> int:
    from scenariosim.dsl import load
    from scenariosim.spec import sample

    spec = sample(load(args.file))  # one draw with the file's seed, so a failing draw is reported
    print(f"{args.file}: ok: scenario '{spec.name}', {len(spec.roads)} road(s), {len(spec.actors)} actor(s), "
          f"{len(spec.cameras)} camera(s), {spec.duration:g} s at {spec.timestep:g} s steps")
    return 0


def _render(args) -> int:
    from scenariosim.batch import render_scenario
    from scenariosim.dsl import load
    from scenariosim.spec import sample

    if args.frames is not None and args.frames < 1:
        raise ScenarioSimError("--frames must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise ScenarioSimError("--seed must not be negative")
    spec = sample(load(args.file), args.seed)  # --seed, else the file's seed
    if not spec.cameras:
        raise ScenarioSimError(f"{args.file}: the scenario has no camera, so there is nothing to render")
    n = render_scenario(spec, args.out, max_frames=args.frames, overwrite=args.overwrite, progress=not args.quiet)
    print(f"wrote {n} frame(s) to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"check": _check, "render": _render}[args.command](args)
    except ScenarioSimError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
