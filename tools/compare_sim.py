"""Compare the simulator of this working tree with an earlier revision: speed, taken alternately, and results.

    python tools/compare_sim.py REV [--rounds 3] [--n 1000 10000] [--steps 100] [--repeats 5] [--variants 2000]
                                    [--bench-scenarios NAME ...] [--no-bench] [--no-results] [--scenarios NAME ...]
                                    [--json]

REV (a commit, tag or branch, e.g. HEAD or main~3) is checked out into a temporary git worktree, removed at
the end. Each tree runs with its own package (PYTHONPATH) and its own kernel cache, so neither runs the
other's compiled code: this tree its usual one, REV a temporary one (so REV's kernels are compiled once per
call, a minute or two, which bench_sim.py leaves out of its timing).

Speed: REV's and this tree's tools/bench_sim.py run one after the other, ``--rounds`` times (the machine's
speed drifts over minutes; alternating runs see the same drift). Prints each case's rates per round, their
medians and the ratio of this tree's median to REV's. --bench-scenarios adds bench_sim.py's batched rollout of
those bundled scenarios (its --scenarios, variants per second).

Results: both trees roll out every bundled scenario (this tree's scenarios/*.scn, or those named with
--scenarios), variants drawn with seeds 0, 1, 2 (one when its roads are drawn), the ego's criteria on and the
trajectories recorded, and every number is compared to the bit: criteria, trajectories and events. A scenario
that one tree cannot load or run is reported as such.

With --json: one object per line, {"case": …, "old": [...], "new": [...], "ratio": …} per benchmark case and
{"scenario": …, "same": true/false, …} per scenario.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
#: the rate each bench_sim.py row reports
RATES = ("vehicle_steps_per_s", "variants_per_s")


def _run(tree: Path, args: list[str], cache: Path | None) -> subprocess.CompletedProcess:
    """Run python ``args`` in ``tree`` with its package first on the path, and its kernels cached in ``cache``
    (None: where the package puts them)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(tree), os.environ.get("PYTHONPATH")) if p))
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True)


def _worktree(rev: str, where: Path) -> Path:
    """A detached worktree of ``rev`` in ``where``; exits with the error when rev is no commit of this repository."""
    git = shutil.which("git")
    if git is None:
        raise SystemExit("error: compare_sim.py needs git")
    probe = subprocess.run([git, "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise SystemExit(f"error: '{rev}' is not a commit of the repository at {ROOT}")
    tree = where / "rev"
    made = subprocess.run([git, "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(tree),
                           probe.stdout.strip()], capture_output=True, text=True)
    if made.returncode != 0:
        raise SystemExit(f"error: git worktree add failed: {made.stderr.strip()}")
    return tree


def _case(row: dict) -> str:
    """A bench_sim.py row's name: its case and what tells its rows apart."""
    extra = [f"{k}={row[k]}" for k in ("n", "name") if k in row]
    return " ".join([row["case"], *extra])


def bench(trees: dict[str, tuple[Path, Path | None]], rounds: int,
          bench_args: list[str]) -> dict[str, dict[str, list[float]]]:
    """{case: {"old": rates, "new": rates}}, one rate per round, the trees ({side: (tree, kernel cache)}) run
    alternately."""
    rates: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        for side, (tree, cache) in trees.items():
            res = _run(tree, ["tools/bench_sim.py", "--no-sumo", "--json", *bench_args], cache)
            if res.returncode != 0:
                raise SystemExit(f"error: bench_sim.py failed in the {side} tree ({tree}):\n{res.stderr.strip()}")
            for line in res.stdout.splitlines():
                row = json.loads(line)
                rate = next(row[k] for k in RATES if k in row)
                rates.setdefault(_case(row), {"old": [], "new": []})[side].append(rate)
    return rates


def compare_results(old: dict[str, np.ndarray], new: dict[str, np.ndarray]) -> dict:
    """One scenario's arrays from both trees ({"crit", "traj", "events"}, or {"error": message}) → a report:
    {"same": bool, "differ": names of the arrays that differ, "max_abs_traj": largest |Δ| of the trajectories
    when their shapes agree (NaN compared as equal to NaN), "error": why a tree could not run it}."""
    for side, got in (("old", old), ("new", new)):
        if "error" in got:
            return {"same": False, "error": f"{side} tree: {got['error']}"}
    differ = [k for k in ("crit", "traj", "events") if old[k].shape != new[k].shape or
              old[k].tobytes() != new[k].tobytes()]
    report = {"same": not differ, "differ": differ}
    if old["traj"].shape == new["traj"].shape:
        diff = np.abs(old["traj"] - new["traj"])
        both_nan = np.isnan(old["traj"]) & np.isnan(new["traj"])
        report["max_abs_traj"] = float(np.max(np.where(both_nan, 0.0, diff), initial=0.0))
    return report


def dump_results(scenarios: list[Path], out: Path) -> None:
    """Roll out each scenario with the package on the path and save its arrays to ``out`` (npz; a scenario
    that fails gets an "error" entry instead). Run inside each tree by ``results``."""
    from scenariosim.dsl import load
    from scenariosim.roads import build
    from scenariosim.sim import rollout, stack
    from scenariosim.spec import sample
    from scenariosim.world import build_world

    arrays: dict[str, np.ndarray] = {}
    for path in scenarios:
        try:
            spec = load(path)
            drawn = [sample(spec, seed) for seed in range(3)]
            if any(d.roads != drawn[0].roads for d in drawn):
                drawn = drawn[:1]                     # its roads are drawn: the variants cannot share a batch
            network = build(drawn[0].roads)
            built = [build_world(d, network) for d in drawn]
            names = built[0][1].names
            batch = stack([w for w, _ in built])
            steps = int(round(spec.duration / spec.timestep))
            crit, traj = rollout(batch, spec.timestep, steps, ego=names.index("ego") if "ego" in names else 0,
                                 record=True)
            arrays |= {f"{path.stem}/crit": crit, f"{path.stem}/traj": traj, f"{path.stem}/events": batch.events.rows}
        except Exception as err:                      # noqa: BLE001 (any failure is the report, not a crash)
            arrays[f"{path.stem}/error"] = np.array(f"{type(err).__name__}: {err}")
    np.savez(out, **arrays)


def results(trees: dict[str, tuple[Path, Path | None]], scenarios: list[Path], where: Path) -> dict[str, dict]:
    """{scenario name: compare_results report}, each tree rolling out the same scenario files."""
    got = {}
    for side, (tree, cache) in trees.items():
        out = where / f"{side}.npz"
        res = _run(tree, [str(Path(__file__).resolve()), "--dump", str(out), *map(str, scenarios)], cache)
        if res.returncode != 0:
            raise SystemExit(f"error: the {side} tree ({tree}) could not roll out the scenarios:\n"
                             f"{res.stderr.strip()}")
        with np.load(out) as z:
            got[side] = {k: z[k] for k in z.files}
    reports = {}
    for path in scenarios:
        pick = lambda d: {k.split("/", 1)[1]: (str(v) if k.endswith("/error") else v)      # noqa: E731
                          for k, v in d.items() if k.split("/", 1)[0] == path.stem}
        reports[path.stem] = compare_results(pick(got["old"]), pick(got["new"]))
    return reports


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--dump":         # inside a tree: see results()
        dump_results([Path(p) for p in sys.argv[3:]], Path(sys.argv[2]))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rev", help="the revision to compare with (a commit, tag or branch)")
    p.add_argument("--rounds", type=int, default=3, help="alternate benchmark runs per tree")
    p.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="highway sizes (bench_sim.py --n)")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--variants", type=int, default=2000)
    p.add_argument("--bench-scenarios", nargs="+", default=[], metavar="NAME",
                   help="also time these bundled scenarios' batched rollouts (bench_sim.py --scenarios)")
    p.add_argument("--no-bench", action="store_true", help="compare results only")
    p.add_argument("--no-results", action="store_true", help="compare speed only")
    p.add_argument("--scenarios", nargs="+", metavar="NAME", help="compare the results of these bundled "
                   "scenarios only (names in scenarios/, without .scn)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    args = p.parse_args()
    if args.rounds < 1:
        raise SystemExit(f"error: --rounds must be at least 1, got {args.rounds}")
    scenarios = sorted((ROOT / "scenarios").glob("*.scn"))
    missing = [n for n in (args.scenarios or []) + args.bench_scenarios
               if not (ROOT / "scenarios" / f"{n}.scn").is_file()]
    if missing:
        raise SystemExit(f"error: no scenario {', '.join(missing)} in {ROOT / 'scenarios'}")
    if args.scenarios:
        scenarios = [ROOT / "scenarios" / f"{n}.scn" for n in args.scenarios]
    with tempfile.TemporaryDirectory(prefix="compare_sim-") as tmp:
        where = Path(tmp)
        old = _worktree(args.rev, where)
        try:
            trees = {"old": (old, where / "kernels"), "new": (ROOT, None)}
            if not args.no_bench:
                bench_args = ["--n", *map(str, args.n), "--steps", str(args.steps), "--repeats", str(args.repeats),
                              "--variants", str(args.variants)]
                if args.bench_scenarios:                 # this tree's files, so both run the same scenarios
                    bench_args += ["--scenarios", *(str(ROOT / "scenarios" / f"{n}.scn") for n in args.bench_scenarios)]
                for case, r in bench(trees, args.rounds, bench_args).items():
                    if not r["old"] or not r["new"]:
                        continue                             # a case only one tree's bench_sim.py runs
                    mo, mn = statistics.median(r["old"]), statistics.median(r["new"])
                    if args.json:
                        row = {"case": case, "old": r["old"], "new": r["new"], "ratio": round(mn / mo, 3)}
                        print(json.dumps(row), flush=True)
                    else:
                        runs = lambda rates: " ".join(f"{v:,.0f}" for v in rates)      # noqa: E731
                        print(f"{case:<22} {args.rev}: {runs(r['old'])}  this tree: {runs(r['new'])}  medians "
                              f"{mo:,.0f} → {mn:,.0f} (×{mn / mo:.3f})", flush=True)
            if not args.no_results:
                for name, rep in results(trees, scenarios, where).items():
                    if args.json:
                        print(json.dumps({"scenario": name, **rep}), flush=True)
                    elif "error" in rep:
                        print(f"{name:<28} could not compare: {rep['error']}")
                    elif rep["same"]:
                        print(f"{name:<28} the same to the bit")
                    else:
                        delta = f"; largest trajectory change {rep['max_abs_traj']:.3g}" \
                            if "max_abs_traj" in rep else ""
                        print(f"{name:<28} differs: {', '.join(rep['differ'])}{delta}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)


if __name__ == "__main__":
    main()
