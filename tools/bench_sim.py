"""Benchmark the Numba world: vehicle-steps per second on a 3-lane highway.

    python tools/bench_sim.py [--n 100 1000 10000] [--steps 200] [--repeats 5] [--json]

Vehicles are placed at 30 vehicles/km/lane with speeds around 30 m/s and stepped at 0.1 s with
IDM car following and pure-pursuit lane keeping (lane changes arrive with issue 5). Prints the
median over repeats, after one warm-up run that also triggers compilation.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from scenariosim.roads import build
from scenariosim.sim import simulate
from scenariosim.spec import ActorSpec, HighwaySpec, ScenarioSpec
from scenariosim.world import build_world

DENSITY = 30.0 / 1000.0   # vehicles per metre per lane
LANES = 3


def highway_world(n: int, seed: int = 0):
    """n cars spread over a 3-lane highway long enough for the density, jittered speeds."""
    rng = np.random.default_rng(seed)
    length = n / (DENSITY * LANES) + 200.0
    per_lane = -(-n // LANES)
    actors = []
    for k in range(n):
        lane, slot = 1 + k % LANES, k // LANES
        s = 50.0 + slot / DENSITY + rng.uniform(-3.0, 3.0)
        actors.append(ActorSpec(name=f"v{k}", kind="car", road="main", lane=lane, s=s, speed=rng.uniform(25.0, 33.0)))
    assert per_lane / DENSITY < length
    spec = ScenarioSpec(name="bench", roads=(HighwaySpec(name="main", length=length, lanes=LANES),), actors=tuple(actors))
    world, _ = build_world(spec, build(spec.roads))
    return world


def bench(n: int, steps: int, repeats: int) -> float:
    """Median vehicle-steps per second over ``repeats`` runs of ``steps`` steps."""
    simulate(highway_world(n), 0.1, 2)                  # warm-up and compilation
    rates = []
    for r in range(repeats):
        world = highway_world(n, seed=r)
        t0 = time.perf_counter()
        simulate(world, 0.1, steps)
        rates.append(n * steps / (time.perf_counter() - t0))
    return statistics.median(rates)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[100, 1000, 10000])
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    args = p.parse_args()
    for n in args.n:
        rate = bench(n, args.steps, args.repeats)
        if args.json:
            print(json.dumps({"case": "highway", "n": n, "vehicle_steps_per_s": round(rate)}))
        else:
            print(f"highway  n={n:>7}  {rate / 1e6:8.2f} M vehicle-steps/s  (median of {args.repeats})")


if __name__ == "__main__":
    main()
