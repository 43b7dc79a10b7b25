"""Benchmark the Numba world: vehicle-steps per second on the shared highway case, and variants per second
of a batched rollout with criteria.

    python tools/bench_sim.py [--n 100 1000 10000 100000] [--steps 200] [--repeats 5] [--variants 2000]
                              [--no-sumo] [--json] [--scenarios SCN ...] [--scenario-variants 200] [--collide]
                              [--workers K] [--breakdown]

Highway case (issue 5, so any simulator can run it): one direction, 3 lanes of 3.5 m, straight; N cars
5 m × 2 m; car k in lane k mod 3 with its front bumper at x = L0 − k·L0/N, L0 = N / (3 × 0.030) m
(30 vehicles/km/lane); all start at 25 m/s; desired speeds default_rng(0).uniform(25, 33, N); dt = 0.1 s;
the road is long enough that nobody reaches its end. Model: IDM car following, MOBIL lane changes,
pure-pursuit lane keeping, kinematic bicycle; collision events off (--collide turns them on, and the rows
say "collide": true; the batched case below runs with them on). The first timed run starts after the initial
sort (the cars are built out of lane order).
If eclipse-sumo is installed (tools/sumo_highway.py) the same case runs in SUMO and the ratio is printed.

Batched case: a 20-actor scenario (scenarios/bench_batched.scn: a 3-lane highway, an ego, a scripted
cut-in and 18 free-driving cars with drawn positions and speeds), V variants drawn with seeds 0 … V−1,
stacked and run 10 s at 0.1 s in one kernel call that also computes the ego's criteria. Beside the
kernel's rate it prints what a sweep pays in all: sampling and building the worlds (timed once), stacking
them and the rollout, per variant. With --workers K > 1, a second batched row times the same rollout with its
variants shared among K threads (``rollout(..., workers=K)``); the first row is always one thread, one core.

With --breakdown, where the batched case's time goes: the same variants run again without parts of the work,
every run once per round, rounds alternating, nanoseconds per agent-step (medians): the batched case as timed
above; without post-encroachment time; without collisions; without criteria (simulate); the traffic alone
(simulate without collisions); and the traffic with every ``drive`` made ``follow_lane`` (no MOBIL evaluations,
no free lane changes; the scripted cut-in stays). The last two also say how the traffic changes lanes, over the
first 200 variants: the share of agent-steps spent in a lane change, and the lane changes started per variant,
per vehicle-kilometre and in each second of the run (a burst in the first second comes from where the scenario
puts its cars, not from the traffic settling).

With --scenarios, also any bundled scenario's batched rollout the same way (its variants drawn with seeds
0 … V−1, criteria for the actor named ego): variants per second and nanoseconds per agent-step.

Prints medians over repeats, after one warm-up run that also triggers compilation.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from scenariosim.dsl import load
from scenariosim.errors import ScenarioSimError
from scenariosim.roads import build
from scenariosim.sim import rollout, simulate, stack
from scenariosim.spec import ActorSpec, HighwaySpec, ScenarioSpec, sample
from scenariosim.world import build_world
from scenariosim.world.opcodes import DRIVE, FOLLOW_LANE

DENSITY = 0.030           # vehicles per metre per lane
LANES = 3
DT = 0.1                  # [s]
START_SPEED = 25.0        # [m/s]
CAR_LENGTH, CAR_WIDTH = 5.0, 2.0
BATCHED = Path(__file__).resolve().parent.parent / "scenarios" / "bench_batched.scn"


def highway_world(n: int, steps: int):
    """The benchmark world for n cars, on a road that outlasts ``steps`` steps at 33 m/s."""
    l0 = n / (LANES * DENSITY)
    length = l0 + 33.0 * DT * steps + 100.0
    front = l0 - np.arange(n) * l0 / n
    actors = tuple(ActorSpec(name=f"v{k}", kind="car", road="main", lane=1 + k % LANES,
                             s=float(front[k] - CAR_LENGTH / 2), speed=START_SPEED) for k in range(n))
    spec = ScenarioSpec(name="bench", roads=(HighwaySpec(name="main", length=length, lanes=LANES),), actors=actors)
    world, _ = build_world(spec, build(spec.roads))
    v = world.vehicles
    v.length[:], v.width[:] = CAR_LENGTH, CAR_WIDTH
    v.wheelbase[:] = 0.6 * CAR_LENGTH
    v.v0[:] = np.random.default_rng(0).uniform(25.0, 33.0, n)
    world.drive.mobil[:] = 1                        # free traffic: MOBIL lane changes for everyone
    return world


def bench_highway(n: int, steps: int, repeats: int, collide: bool = False) -> float:
    """Median vehicle-steps per second over ``repeats`` runs of ``steps`` steps (``collide``: with collision
    events)."""
    world = highway_world(n, steps * (repeats + 1))
    simulate(world, DT, 1, collide=collide)         # compiles, and sorts the cars into lane order
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        simulate(world, DT, steps, collide=collide)
        rates.append(n * steps / (time.perf_counter() - t0))
    return statistics.median(rates)


def _time_rollouts(worlds, dt: float, steps: int, repeats: int, ego: int = 0, workers: int = 1):
    """Median seconds of stacking ``worlds`` and of their batched rollout with criteria (in ``workers`` threads),
    after one compiling run of two of them; and the last run's criteria."""
    rollout(stack(worlds[:2]), dt, steps, ego=ego)                   # compilation
    runs, stacks = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        batch = stack(worlds)
        t1 = time.perf_counter()
        crit, _ = rollout(batch, dt, steps, ego=ego, workers=workers)
        runs.append(time.perf_counter() - t1)
        stacks.append(t1 - t0)
    return statistics.median(runs), statistics.median(stacks), crit


def batched_worlds(variants: int):
    """The batched case: (its spec, its worlds drawn with seeds 0 … V−1, its steps, seconds spent sampling and
    building them)."""
    spec = load(BATCHED)
    network = build(spec.roads)
    t0 = time.perf_counter()
    worlds = [build_world(sample(spec, seed), network)[0] for seed in range(variants)]
    return spec, worlds, int(round(spec.duration / spec.timestep)), time.perf_counter() - t0


def bench_batched(variants: int, repeats: int, workers: int = 1) -> list[dict]:
    """Variants per second of the batched 20-actor rollout with criteria, and what building them costs; with
    ``workers`` > 1, a second row: the same rollout in that many threads."""
    spec, worlds, steps, build_s = batched_worlds(variants)
    run_s, stack_s, crit = _time_rollouts(worlds, spec.timestep, steps, repeats)
    rows = [{"case": "batched", "actors": len(spec.actors), "steps": steps, "variants": variants,
             "variants_per_s": round(variants / run_s), "build_variants_per_s": round(variants / build_s),
             "pipeline_variants_per_s": round(variants / (build_s + stack_s + run_s)),
             "collisions": int(crit[:, 0].sum())}]
    if workers > 1:
        run_s, _, _ = _time_rollouts(worlds, spec.timestep, steps, repeats, workers=workers)
        rows.append({"case": "batched", "actors": len(spec.actors), "steps": steps, "variants": variants,
                     "workers": workers, "variants_per_s": round(variants / run_s)})
    return rows


def without_mobil(batch):
    """``batch`` (a stacked World, changed in place and returned) with every ``drive`` step made ``follow_lane``:
    the same traffic without MOBIL."""
    batch.program.op[batch.program.op == DRIVE] = FOLLOW_LANE
    return batch


def lane_changes(batch, dt: float, steps: int) -> dict:
    """How ``batch`` (run in place, step by step, without collisions) changes lanes: the share of agent-steps spent
    in a lane change; lane changes started per variant, in all and in each whole second of the run; and per
    vehicle-kilometre driven. A change starts at the step after which the agent's lc_duration turned positive
    (MOBIL's and the scripted ones alike; one cannot end and another start within a step)."""
    variants = len(batch.clock.t)
    per_second = max(1, round(1.0 / dt))
    starts = np.zeros(-(-steps // per_second))
    changing = 0
    odometer = batch.drive.odometer.copy()
    was_changing = batch.drive.lc_duration > 0.0
    for k in range(steps):
        simulate(batch, dt, 1, collide=False)
        now_changing = batch.drive.lc_duration > 0.0
        starts[k // per_second] += np.count_nonzero(now_changing & ~was_changing)
        changing += int(np.count_nonzero(now_changing))
        was_changing = now_changing
    kilometres = float((batch.drive.odometer - odometer).sum()) / 1000.0
    total = float(starts.sum())
    return {"lane_change_share": changing / (len(batch.vehicles.x) * steps),
            "lane_changes_per_variant": total / variants,
            "lane_changes_per_vehicle_km": total / kilometres if kilometres > 0.0 else 0.0,
            "lane_changes_by_second": [float(n) / variants for n in starts]}


def bench_breakdown(variants: int, repeats: int) -> list[dict]:
    """Nanoseconds per agent-step of the batched case and of the same variants with parts of the work left out
    (see the module docstring), medians over ``repeats`` rounds that run each once in turn."""
    spec, worlds, steps, _ = batched_worlds(variants)
    dt = spec.timestep
    runs = {"rollout": lambda b: rollout(b, dt, steps),
            "no_pet": lambda b: rollout(b, dt, steps, pet=False),
            "no_collisions": lambda b: rollout(b, dt, steps, collide=False),
            "no_criteria": lambda b: simulate(b, dt, steps),
            "traffic": lambda b: simulate(b, dt, steps, collide=False),
            "no_mobil": lambda b: simulate(without_mobil(b), dt, steps, collide=False)}
    for run in runs.values():
        run(stack(worlds[:2]))                                   # compilation
    seconds = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            batch = stack(worlds)
            t0 = time.perf_counter()
            run(batch)
            seconds[name].append(time.perf_counter() - t0)
    agent_steps = variants * steps * len(spec.actors)
    rows = [{"case": "breakdown", "run": name, "variants": variants,
             "ns_per_agent_step": round(statistics.median(s) / agent_steps * 1e9, 1)} for name, s in seconds.items()]
    few = worlds[:200]
    counts = {"traffic": lane_changes(stack(few), dt, steps),
              "no_mobil": lane_changes(without_mobil(stack(few)), dt, steps)}
    for row in rows:
        for key, value in counts.get(row["run"], {}).items():
            row[key] = [round(v, 2) for v in value] if isinstance(value, list) else round(value, 4)
    return rows


def load_scenario(path: Path):
    """The scenario in ``path``; exits with the error (where and why) if it cannot be loaded."""
    try:
        return load(path)
    except (OSError, ScenarioSimError) as e:
        raise SystemExit(f"error: {e}") from None


def bench_scenario(path: Path, spec, variants: int, repeats: int) -> dict:
    """Variants per second of any scenario's batched rollout with criteria (the ego: the actor named ego, else
    the first), its variants drawn with seeds 0 … V−1; and nanoseconds per agent-step, which compares
    scenarios of different sizes and lengths. ``spec``: the scenario loaded from ``path`` (load_scenario). Its
    roads must draw nothing: the variants share one network."""
    drawn = [sample(spec, seed) for seed in range(variants)]
    if any(d.roads != drawn[0].roads for d in drawn):
        raise SystemExit(f"error: {path}: its roads differ from variant to variant, so its variants cannot share a "
                         "batch")
    network = build(drawn[0].roads)
    built = [build_world(d, network) for d in drawn]
    worlds, names = [w for w, _ in built], built[0][1].names
    steps = int(round(spec.duration / spec.timestep))
    ego = names.index("ego") if "ego" in names else 0
    run_s, _, _ = _time_rollouts(worlds, spec.timestep, steps, repeats, ego=ego)
    agents = len(worlds[0].vehicles.x)
    return {"case": "scenario", "name": path.stem, "agents": agents, "steps": steps, "variants": variants,
            "variants_per_s": round(variants / run_s),
            "ns_per_agent_step": round(run_s / (variants * steps * agents) * 1e9, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--variants", type=int, default=2000)
    p.add_argument("--no-sumo", action="store_true", help="skip the SUMO comparison")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--scenarios", type=Path, nargs="+", default=[], metavar="SCN",
                   help="also the batched rollout of these scenarios (--scenario-variants variants each)")
    p.add_argument("--scenario-variants", type=int, default=200)
    p.add_argument("--collide", action="store_true", help="the highway case with collision detection on")
    p.add_argument("--workers", type=int, default=1, metavar="K",
                   help="also the batched rollout in K threads (K > 1; the first batched row is one thread)")
    p.add_argument("--breakdown", action="store_true",
                   help="also the batched case without parts of its work: where its time goes")
    args = p.parse_args()
    if args.workers < 1:
        raise SystemExit(f"error: --workers must be at least 1, got {args.workers}")
    scenarios = [(path, load_scenario(path)) for path in args.scenarios]   # bad files fail at once, not later
    sumo = None
    if not args.no_sumo:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import sumo_highway
        sumo = sumo_highway if sumo_highway.sumo_available() else None
    for n in args.n:
        rate = bench_highway(n, args.steps, args.repeats, args.collide)
        row = {"case": "highway", "n": n, "vehicle_steps_per_s": round(rate)}
        if args.collide:
            row["collide"] = True
        if sumo is not None and n <= 10000:
            sumo_rate = sumo.run_sumo(n, args.steps, repeats=3)
            row |= {"sumo_vehicle_steps_per_s": round(sumo_rate), "ratio_to_sumo": round(rate / sumo_rate, 1)}
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            extra = f"   SUMO {row['sumo_vehicle_steps_per_s'] / 1e6:.2f} M  (×{row['ratio_to_sumo']})" if "ratio_to_sumo" in row else ""
            print(f"highway  n={n:>7}  {rate / 1e6:8.2f} M vehicle-steps/s  (median of {args.repeats})"
                  f"{', collisions on' if args.collide else ''}{extra}",
                  flush=True)
    for row in bench_batched(args.variants, args.repeats, args.workers):
        if args.json:
            print(json.dumps(row), flush=True)
        elif "workers" in row:
            print(f"batched  {row['actors']} actors × {row['steps']} steps  {row['variants_per_s']:>8} variants/s  "
                  f"(median of {args.repeats}; {row['workers']} threads)", flush=True)
        else:
            print(f"batched  {row['actors']} actors × {row['steps']} steps  {row['variants_per_s']:>8} variants/s  "
                  f"(median of {args.repeats}; one thread; sampling and building the worlds: "
                  f"{row['build_variants_per_s']} variants/s; all of it, sampled spec to criteria: "
                  f"{row['pipeline_variants_per_s']} variants/s)", flush=True)
    for row in bench_breakdown(args.variants, args.repeats) if args.breakdown else ():
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            changes = ""
            if "lane_change_share" in row:
                changes = (f"   {100 * row['lane_change_share']:.1f} % of agent-steps in a lane change; "
                           f"{row['lane_changes_per_variant']:.2f} lane changes per variant "
                           f"({row['lane_changes_per_vehicle_km']:.3f} per vehicle-km), started in each second: "
                           + " ".join(f"{n:.2f}" for n in row["lane_changes_by_second"]))
            print(f"breakdown  {row['run']:<14} {row['ns_per_agent_step']:7.1f} ns per agent-step  "
                  f"(median of {args.repeats}){changes}", flush=True)
    for path, spec in scenarios:
        row = bench_scenario(path, spec, args.scenario_variants, args.repeats)
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(f"scenario {row['name']:<28} {row['agents']:>3} agents × {row['steps']:>4} steps  "
                  f"{row['variants_per_s']:>8} variants/s  {row['ns_per_agent_step']:7.1f} ns per agent-step  "
                  f"(median of {args.repeats})", flush=True)


if __name__ == "__main__":
    main()
