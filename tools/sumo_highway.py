"""The shared 3-lane highway benchmark case, run in Eclipse SUMO for comparison.

    python tools/sumo_highway.py [--n 1000 10000] [--steps 200] [--repeats 3] [--json]

Needs the ``sumo`` and ``netconvert`` binaries (``pip install eclipse-sumo``, found through the
``sumo`` Python package's SUMO_HOME, then $SUMO_HOME, then PATH); without them ``run_sumo``
returns None. Nothing here imports scenariosim.

The case (see tools/bench_sim.py): one direction, 3 lanes of 3.5 m, straight; N cars 5 m × 2 m;
car k in lane k mod 3 (SUMO lane 0 is the rightmost) with its front bumper at x = L0 − k·L0/N,
L0 = N / (3 × 0.030) m; all start at 25 m/s; desired speeds default_rng(0).uniform(25, 33, N);
dt = 0.1 s; road length L0 + 33·dt·steps + 100 m. SUMO model: carFollowModel IDM (tau 1.5,
minGap 2, accel 1.0, decel 1.5, delta 4), default lane-change model LC2013 without the sublane
model, sigma 0, speedDev 0.

Desired speed: one vType per car whose ``maxSpeed`` is that car's desired speed (written with
``repr``, so the XML round-trips the float64 exactly), speedFactor exactly 1 and a lane speed limit
of 50 m/s. SUMO drives at min(maxSpeed, speedFactor·speedLimit, speedFactor·desiredMaxSpeed) and
passes that to IDM as v0, so v0 = maxSpeed bit for bit, with no multiplication involved.

Timing: the sumo binary runs headless on the generated files, with no outputs and no step log.
SUMO inserts departing vehicles at the end of a step, so a run of ``steps + 1`` steps (--end
(steps + 1)·dt) is: loading, the insertion step, then ``steps`` steps that move all N cars. A
second run of the same files with a single step (--end dt) is loading plus the insertion step.
The simulation time is the wall-clock difference between the two processes, so start-up, network
and route loading, insertion and tear-down cancel out; ``run_sumo`` returns n·steps over the median
of that difference over ``repeats`` pairs (after one untimed run that warms the caches). Two
cross-checks come with ``run_sumo_detail``: the same difference of SUMO's own simulation-loop clock
(ms resolution, read off its real-time factor) and of the sumo processes' CPU time (user + system,
from getrusage), which other work on the machine disturbs less (though not entirely). SUMO is single-threaded
here (no --threads).

Both runs check, from SUMO's end-of-run statistics, that all N vehicles were inserted at time 0
and are still running, with no teleports or collisions; a failed check raises RuntimeError.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

DENSITY = 0.030           # vehicles per metre per lane
LANES = 3
LANE_WIDTH = 3.5          # [m]
DT = 0.1                  # [s]
START_SPEED = 25.0        # [m/s]
CAR_LENGTH, CAR_WIDTH = 5.0, 2.0
SPEED_LIMIT = 50.0        # [m/s], above every desired speed so maxSpeed alone sets v0
IDM = dict(tau=1.5, minGap=2.0, accel=1.0, decel=1.5, delta=4.0)


# --------------------------------------------------------------------------- finding SUMO

def _sumo_home() -> str | None:
    try:
        import sumo  # the eclipse-sumo wheel
        return sumo.SUMO_HOME
    except Exception:
        return os.environ.get("SUMO_HOME")


def _binary(name: str) -> str | None:
    home = _sumo_home()
    if home:
        path = Path(home) / "bin" / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return shutil.which(name)


def sumo_available() -> bool:
    """Whether both the ``sumo`` and ``netconvert`` binaries can be found."""
    return _binary("sumo") is not None and _binary("netconvert") is not None


# --------------------------------------------------------------------------- the case

def case(n: int, steps: int):
    """(road length, front-bumper positions, lanes, desired speeds) for n cars and ``steps`` steps."""
    l0 = n / (LANES * DENSITY)
    length = l0 + 33.0 * DT * steps + 100.0
    front = l0 - np.arange(n) * l0 / n
    lane = np.arange(n) % LANES
    v0 = np.random.default_rng(0).uniform(25.0, 33.0, n)
    return length, front, lane, v0


def write_case(directory: str | os.PathLike, n: int, steps: int) -> dict[str, Path]:
    """Write nodes, edges and routes for the case into ``directory``; returns their paths."""
    d = Path(directory)
    length, front, lane, v0 = case(n, steps)
    files = {"nodes": d / "highway.nod.xml", "edges": d / "highway.edg.xml",
             "routes": d / "highway.rou.xml", "net": d / "highway.net.xml"}
    files["nodes"].write_text(
        '<nodes>\n'
        '    <node id="a" x="0" y="0" type="priority"/>\n'
        f'    <node id="b" x="{length!r}" y="0" type="priority"/>\n'
        '</nodes>\n')
    files["edges"].write_text(
        '<edges>\n'
        f'    <edge id="main" from="a" to="b" numLanes="{LANES}" speed="{SPEED_LIMIT!r}" '
        f'width="{LANE_WIDTH!r}" priority="1" spreadType="right"/>\n'
        '</edges>\n')
    idm = " ".join(f'{k}="{v!r}"' for k, v in IDM.items())
    lines = ['<routes>', '    <route id="r" edges="main"/>']
    # Leader first; all depart at 0, which keeps the file sorted by departure. insertionChecks="none":
    # SUMO's IDM refuses to insert a car whose departSpeed exceeds the IDM speed it would choose behind
    # its leader, and the case starts every follower inside its IDM desired gap (28.3 m < 2 + 1.5·25 m),
    # so with the default checks only the three lane leaders enter at t = 0.
    for k in range(n):
        lines.append(f'    <vType id="t{k}" vClass="passenger" carFollowModel="IDM" laneChangeModel="LC2013" '
                     f'{idm} emergencyDecel="9.0" sigma="0" speedFactor="1" speedDev="0" '
                     f'length="{CAR_LENGTH!r}" width="{CAR_WIDTH!r}" maxSpeed="{float(v0[k])!r}"/>')
        lines.append(f'    <vehicle id="v{k}" type="t{k}" route="r" depart="0" departLane="{int(lane[k])}" '
                     f'departPos="{float(front[k])!r}" departSpeed="{START_SPEED!r}" insertionChecks="none"/>')
    lines.append('</routes>\n')
    files["routes"].write_text("\n".join(lines))
    return files


def build_net(files: dict[str, Path]) -> None:
    """netconvert the nodes and edges into ``files['net']``."""
    subprocess.run([_binary("netconvert"), "--node-files", str(files["nodes"]),
                    "--edge-files", str(files["edges"]), "--output-file", str(files["net"]),
                    "--no-turnarounds", "true", "--offset.disable-normalization", "true",
                    "--no-warnings", "true"],
                   check=True, capture_output=True, text=True)


# --------------------------------------------------------------------------- running

def _stat(log: str, key: str) -> int:
    m = re.search(rf"^\s*{key}:\s*(\d+)", log, re.MULTILINE)
    return int(m.group(1)) if m else 0


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(files: dict[str, Path], sim_steps: int, n: int) -> tuple[float, float, float]:
    """Run sumo for ``sim_steps`` steps; (wall s of the process, its CPU s, SUMO's own Duration in s)."""
    cmd = [_binary("sumo"), "--net-file", str(files["net"]), "--route-files", str(files["routes"]),
           "--begin", "0", "--end", f"{sim_steps * DT:.1f}", "--step-length", f"{DT}",
           "--no-step-log", "true", "--duration-log.statistics", "true",
           "--time-to-teleport", "-1", "--collision.action", "warn",
           "--route-steps", "0", "--xml-validation", "never", "--seed", "0"]
    env = dict(os.environ)
    home = _sumo_home()
    if home:
        env["SUMO_HOME"] = home
    c0, t0 = _cpu_children(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall, cpu = time.perf_counter() - t0, _cpu_children() - c0
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"sumo failed ({proc.returncode}):\n{log[-2000:]}")
    inserted, running = _stat(log, "Inserted"), _stat(log, "Running")
    waiting, teleports, collisions = _stat(log, "Waiting"), _stat(log, "Teleports"), _stat(log, "Collisions")
    if inserted != n or running != n or waiting or teleports or collisions:
        raise RuntimeError(f"sumo ran {running}/{n} vehicles (inserted {inserted}, waiting {waiting}, "
                           f"teleports {teleports}, collisions {collisions}):\n{log[-2000:]}")
    # "Duration" is printed with 2 decimals; the real-time factor carries SUMO's ms clock.
    m = re.search(r"Real time factor:\s*([\d.eE+-]+|inf)", log)
    rtf = float(m.group(1)) if m else float("nan")
    duration = sim_steps * DT / rtf if rtf > 0 else 0.0
    return wall, cpu, duration


def run_sumo_detail(n: int, steps: int, repeats: int = 3) -> dict | None:
    """Timings of the case in SUMO, or None when SUMO is missing.

    Keys: ``rate`` (n·steps / median wall-clock difference, the figure ``run_sumo`` returns),
    ``rate_internal`` (n·steps / median difference of SUMO's own Duration reports), ``rate_cpu``
    (n·steps / median difference of the sumo processes' CPU time, less disturbed by a busy machine), ``sim_s``,
    ``full_s`` and ``base_s`` (medians, s), and ``vehicles`` (running vehicles, checked = n).
    """
    if not sumo_available():
        return None
    with tempfile.TemporaryDirectory(prefix="sumo_highway_") as tmp:
        files = write_case(tmp, n, steps)
        build_net(files)
        _run(files, 1, n)                                   # warm the page cache
        diffs, cpus, internal, fulls, bases = [], [], [], [], []
        for _ in range(repeats):
            base_wall, base_cpu, base_dur = _run(files, 1, n)         # loading + insertion step
            full_wall, full_cpu, full_dur = _run(files, steps + 1, n)  # ... + `steps` steps moving all n
            diffs.append(full_wall - base_wall)
            cpus.append(full_cpu - base_cpu)
            internal.append(full_dur - base_dur)
            fulls.append(full_wall)
            bases.append(base_wall)
    sim = statistics.median(diffs)
    sim_internal = statistics.median(internal)
    sim_cpu = statistics.median(cpus)
    return {"n": n, "steps": steps, "rate": n * steps / sim, "sim_s": sim,
            "rate_internal": n * steps / sim_internal if sim_internal > 0 else float("nan"),
            "rate_cpu": n * steps / sim_cpu if sim_cpu > 0 else float("nan"),
            "full_s": statistics.median(fulls), "base_s": statistics.median(bases), "vehicles": n}


def run_sumo(n: int, steps: int, repeats: int = 3) -> float | None:
    """Vehicle-steps per second of SUMO's simulation proper (loading excluded), or None without SUMO."""
    detail = run_sumo_detail(n, steps, repeats)
    return None if detail is None else detail["rate"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    args = p.parse_args()
    if not sumo_available():
        print("SUMO not found (pip install eclipse-sumo, or set SUMO_HOME / PATH)")
        return
    for n in args.n:
        d = run_sumo_detail(n, args.steps, args.repeats)
        if args.json:
            print(json.dumps({"case": "highway", "sim": "sumo", "n": n, "vehicle_steps_per_s": round(d["rate"]),
                              "internal_vehicle_steps_per_s": round(d["rate_internal"]),
                              "cpu_vehicle_steps_per_s": round(d["rate_cpu"])}))
        else:
            print(f"sumo highway  n={n:>7}  {d['rate'] / 1e6:8.3f} M vehicle-steps/s  "
                  f"(SUMO's own clock {d['rate_internal'] / 1e6:.3f} M, CPU time {d['rate_cpu'] / 1e6:.3f} M; run {d['full_s']:.2f} s, "
                  f"load+insert {d['base_s']:.2f} s; median of {args.repeats}; all {n} inserted at t=0)")


if __name__ == "__main__":
    main()
