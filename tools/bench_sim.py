"""Benchmark the Numba world: vehicle-steps per second on the shared 3-lane highway case.

    python tools/bench_sim.py [--n 100 1000 10000 100000] [--steps 200] [--repeats 5] [--json]

The case (issue 5, so any simulator can run it): one direction, 3 lanes of 3.5 m, straight; N cars
5 m × 2 m; car k in lane k mod 3 with its front bumper at x = L0 − k·L0/N, L0 = N / (3 × 0.030) m
(30 vehicles/km/lane); all start at 25 m/s; desired speeds default_rng(0).uniform(25, 33, N);
dt = 0.1 s; the road is long enough that nobody reaches its end. The model today: IDM car following,
pure-pursuit lane keeping, kinematic bicycle (MOBIL lane changes arrive with issue 5). Prints the
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

DENSITY = 0.030           # vehicles per metre per lane
LANES = 3
DT = 0.1                  # [s]
START_SPEED = 25.0        # [m/s]
CAR_LENGTH, CAR_WIDTH = 5.0, 2.0


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


def bench(n: int, steps: int, repeats: int) -> float:
    """Median vehicle-steps per second over ``repeats`` runs of ``steps`` steps."""
    simulate(highway_world(n, 2), DT, 2, collide=False)                # warm-up and compilation
    rates = []
    for _ in range(repeats):
        world = highway_world(n, steps)
        t0 = time.perf_counter()
        simulate(world, DT, steps, collide=False)
        rates.append(n * steps / (time.perf_counter() - t0))
    return statistics.median(rates)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[100, 1000, 10000, 100000])
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
