"""The benchmark scripts keep running and print what they promise (no timing is asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_json(*args: str) -> list[dict]:
    res = subprocess.run([sys.executable, *args, "--json"], capture_output=True, text=True, cwd=ROOT, check=True)
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_bench_sim_prints_one_json_line_per_case():
    rows = run_json("tools/bench_sim.py", "--n", "30", "300", "--steps", "3", "--repeats", "1", "--variants", "3",
                    "--no-sumo")
    assert [(r["case"], r.get("n")) for r in rows] == [("highway", 30), ("highway", 300), ("batched", None)]
    assert all(r["vehicle_steps_per_s"] > 0 for r in rows[:2])
    assert rows[2]["actors"] == 20 and rows[2]["steps"] == 100 and rows[2]["variants_per_s"] > 0
    # the whole sweep pipeline pays for building and for the rollout, so it is slower than either
    assert 0 < rows[2]["pipeline_variants_per_s"] <= min(rows[2]["variants_per_s"], rows[2]["build_variants_per_s"])



def test_bench_sim_runs_the_highway_with_collisions_when_asked():
    rows = run_json("tools/bench_sim.py", "--n", "30", "100", "--steps", "3", "--repeats", "1", "--variants", "2",
                    "--no-sumo", "--collide")
    assert [(r["case"], r.get("n"), r.get("collide")) for r in rows] == [("highway", 30, True), ("highway", 100, True),
                                                                         ("batched", None, None)]
    assert all(r["vehicle_steps_per_s"] > 0 for r in rows[:2])

def test_bench_sim_times_the_batched_rollout_in_threads_when_asked():
    rows = run_json("tools/bench_sim.py", "--n", "30", "--steps", "2", "--repeats", "1", "--variants", "3",
                    "--no-sumo", "--workers", "2")
    assert [(r["case"], r.get("workers")) for r in rows] == [("highway", None), ("batched", None), ("batched", 2)]
    assert (rows[2]["actors"], rows[2]["steps"], rows[2]["variants"]) == (20, 100, 3) and rows[2]["variants_per_s"] > 0
    res = subprocess.run([sys.executable, "tools/bench_sim.py", "--workers", "0"], capture_output=True, text=True,
                         cwd=ROOT)
    assert res.returncode == 1 and res.stderr.strip() == "error: --workers must be at least 1, got 0"


def test_bench_sim_breaks_the_batched_case_down_when_asked():
    rows = run_json("tools/bench_sim.py", "--n", "30", "--steps", "2", "--repeats", "1", "--variants", "3",
                    "--no-sumo", "--breakdown")
    parts = [r for r in rows if r["case"] == "breakdown"]
    assert [r["run"] for r in parts] == ["rollout", "no_pet", "no_collisions", "no_criteria", "traffic", "no_mobil"]
    assert all(r["variants"] == 3 and r["ns_per_agent_step"] > 0 for r in parts)
    # without MOBIL only the scripted cut-in changes lanes
    traffic, no_mobil = parts[-2], parts[-1]
    assert traffic["lane_change_share"] > 5 * no_mobil["lane_change_share"]
    assert traffic["lane_changes_per_vehicle_km"] > 5 * no_mobil["lane_changes_per_vehicle_km"] > 0
    for row in (traffic, no_mobil):             # ten seconds of changes that add up to the total
        assert len(row["lane_changes_by_second"]) == 10
        assert abs(sum(row["lane_changes_by_second"]) - row["lane_changes_per_variant"]) < 0.05
    # the cutter cuts in once at most: without MOBIL no variant has more than one change
    assert 0 < no_mobil["lane_changes_per_variant"] <= 1


def test_the_batched_benchmark_s_cutter_cuts_in_in_most_variants():
    """scenarios/bench_batched.scn promises a scripted cut-in: the cutter ends in the ego's lane ahead of it (it
    did in 2 % of variants while a slower car in its lane kept it behind the ego)."""
    from scenariosim.dsl import load
    from scenariosim.roads import build
    from scenariosim.sim import simulate, stack
    from scenariosim.spec import sample
    from scenariosim.world import build_world

    spec = load(ROOT / "scenarios" / "bench_batched.scn")
    network = build(spec.roads)
    built = [build_world(sample(spec, seed), network) for seed in range(20)]
    names = built[0][1].names
    ego, cutter = names.index("ego"), names.index("cutter")
    batch = simulate(stack([w for w, _ in built]), spec.timestep, int(round(spec.duration / spec.timestep)))
    lane, s = batch.vehicles.lane.reshape(20, -1), batch.vehicles.s.reshape(20, -1)
    cut_in = (lane[:, cutter] == lane[:, ego]) & (s[:, cutter] > s[:, ego])
    assert cut_in.sum() >= 12


def test_bench_sim_times_the_scenarios_it_is_given():
    from scenariosim.dsl import load
    from scenariosim.roads import build
    from scenariosim.spec import sample
    from scenariosim.world import build_world

    names = ["cut_in", "pedestrian_crosswalk_night"]
    rows = run_json("tools/bench_sim.py", "--n", "30", "--steps", "2", "--repeats", "1", "--variants", "2",
                    "--no-sumo", "--scenarios", *(f"scenarios/{n}.scn" for n in names), "--scenario-variants", "3")
    assert [(r["case"], r.get("name")) for r in rows] == [("highway", None), ("batched", None)] + \
        [("scenario", n) for n in names]
    for name, row in zip(names, rows[2:]):
        spec = sample(load(ROOT / "scenarios" / f"{name}.scn"))
        agents = len(build_world(spec, build(spec.roads))[0].vehicles.x)       # walkers are agents too
        assert (row["agents"], row["steps"], row["variants"]) == (agents, round(spec.duration / spec.timestep), 3)
        # both rates describe one timing: seconds per agent-step × agent-steps per variant = 1 / variants per s
        per_variant = row["ns_per_agent_step"] * 1e-9 * row["steps"] * row["agents"]
        assert per_variant * row["variants_per_s"] == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize("text, why", [
    ("scenario s:\n    duration: 1 s\n", "missing required field"),
    ("scenario s:\n    seed: 0\n    duration: 1 s\n    timestep: 0.1 s\n"
     "    road main = highway(length: uniform(500 m, 900 m), lanes: 2, lane_width: 3.5 m)\n"
     "    actor ego: car\n        at: lane(main, 1), s 50 m\n        speed: 20 m/s\n        behavior: follow_lane\n",
     "cannot share a batch"),
])
def test_bench_sim_refuses_a_scenario_it_cannot_batch_in_one_line(tmp_path, text, why):
    path = tmp_path / "s.scn"
    path.write_text(text)
    res = subprocess.run([sys.executable, "tools/bench_sim.py", "--n", "30", "--steps", "1", "--repeats", "1",
                          "--variants", "2", "--no-sumo", "--scenarios", str(path), "--scenario-variants", "4"],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1 and why in res.stderr and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1


@pytest.mark.gl
def _compare_sim():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import compare_sim
    finally:
        sys.path.pop(0)
    return compare_sim


def test_compare_sim_reports_which_results_differ_and_by_how_much():
    compare = _compare_sim().compare_results
    rng = np.random.default_rng(0)
    old = {"crit": rng.random((3, 7)), "traj": rng.random((3, 11, 4, 4)), "events": rng.random((3, 8, 5))}
    old["traj"][1, 5, 2, 0] = np.nan                       # an agent not on the map: NaN on both sides
    same = {k: v.copy() for k, v in old.items()}
    assert compare(old, same) == {"same": True, "differ": [], "max_abs_traj": 0.0}
    moved = {k: v.copy() for k, v in old.items()}
    moved["traj"][2, 7, 1, 1] = np.nextafter(moved["traj"][2, 7, 1, 1], 2.0)
    moved["events"][0, 0, 0] += 1.0
    rep = compare(old, moved)
    assert rep["same"] is False and rep["differ"] == ["traj", "events"]
    assert rep["max_abs_traj"] == abs(moved["traj"][2, 7, 1, 1] - old["traj"][2, 7, 1, 1]) > 0.0
    longer = dict(old, traj=np.zeros((3, 12, 4, 4)))
    assert compare(old, longer) == {"same": False, "differ": ["traj"]}
    assert compare(old, {"error": "ValueError: no"}) == {"same": False, "error": "new tree: ValueError: no"}


def test_compare_sim_refuses_a_revision_that_is_not_a_commit():
    res = subprocess.run([sys.executable, "tools/compare_sim.py", "no-such-revision-here", "--no-bench"],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1 and "'no-such-revision-here' is not a commit" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the project's git repository")
def test_compare_sim_runs_both_trees_alternately_and_compares_their_results():
    rows = run_json("tools/compare_sim.py", "HEAD", "--rounds", "2", "--n", "30", "--steps", "2", "--repeats", "1",
                    "--variants", "2", "--scenarios", "cut_in")
    cases, scenarios = [r for r in rows if "case" in r], [r for r in rows if "scenario" in r]
    assert [r["case"] for r in cases] == ["highway n=30", "batched"]
    for r in cases:
        assert len(r["old"]) == len(r["new"]) == 2 and min(r["old"] + r["new"]) > 0
        assert r["ratio"] == round(float(np.median(r["new"]) / np.median(r["old"])), 3)
    assert [r["scenario"] for r in scenarios] == ["cut_in"]
    changed = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "scenariosim", "scenarios"], cwd=ROOT).returncode
    if changed == 0:                                        # this tree is HEAD: the same results, to the bit
        assert scenarios[0] == {"scenario": "cut_in", "same": True, "differ": [], "max_abs_traj": 0.0}
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "compare_sim-" not in worktrees                  # the temporary worktree is gone


def test_bench_render_prints_fps_per_size():
    rows = run_json("tools/bench_render.py", "--frames", "1")
    assert [(r["width"], r["height"]) for r in rows] == [(640, 480), (1280, 720)]
    assert all(r["fps"] > 0 and r["baseline_fps"] > 0 for r in rows)


@pytest.mark.gl
def test_bench_render_instancing_times_ten_to_a_thousand_cars():
    rows = run_json("tools/bench_render.py", "--instancing", "--frames", "1")
    assert [(r["case"], r["cars"]) for r in rows] == [("instancing", 10), ("instancing", 100), ("instancing", 1000)]
    assert all(r["ms"] > 0 and (r["width"], r["height"]) == (640, 480) for r in rows)


@pytest.mark.gl
def test_gallery_writes_every_condition_and_the_label_sheet(tmp_path):
    from scenariosim.spec.conditions import CONDITIONS

    out = tmp_path / "gallery" / "conditions.png"
    subprocess.run([sys.executable, "tools/gallery_conditions.py", "--out", str(out), "--size", "128x72"],
                   cwd=ROOT, check=True, capture_output=True)
    written = {p.stem for p in out.parent.glob("*.png")}
    assert {"conditions", "labels", *CONDITIONS} <= written
