"""The benchmark scripts keep running and print what they promise (no timing is asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


@pytest.mark.gl
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
