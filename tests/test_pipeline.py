"""End to end: spec → simulation → render → labels → dataset folder, read back with pycocotools."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from scenes import make_spec
from scenariosim.batch import frame_schedule, render_scenario
from scenariosim.errors import DatasetError
from scenariosim.spec import CameraSpec

ACTORS = [("ego", "car", 2, 100.0, 25.0), ("lead", "truck", 2, 135.0, 22.0),
          ("left", "car", 3, 118.0, 27.0), ("right", "car", 1, 112.0, 24.0), ("far", "car", 1, 400.0, 20.0)]


def small_spec(**kw):
    cam = CameraSpec(name="front", mount="ego", width=160, height=96, rate=5.0)
    return make_spec(ACTORS, cameras=(cam,), duration=1.0, timestep=0.05, **kw)


def test_frame_schedule_snaps_each_camera_to_steps():
    spec = make_spec(ACTORS[:1], duration=1.0, timestep=0.05,
                     cameras=(CameraSpec(name="a", mount="ego", rate=10.0), CameraSpec(name="b", mount="ego", rate=3.0)))
    plan = frame_schedule(spec)
    a = [(s, k) for s, c, k in plan if c == 0]
    b = [(s, k) for s, c, k in plan if c == 1]
    assert a == [(2 * k, k) for k in range(11)]                 # 0.0 … 1.0 s every 0.1 s
    assert b == [(0, 0), (7, 1), (13, 2), (20, 3)]             # 1/3 s snapped to the nearest 0.05 s step
    assert [p[0] for p in plan] == sorted(p[0] for p in plan)
    assert len(frame_schedule(spec, max_frames=2)) == 4


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "run1"
    render_scenario(small_spec(), out, progress=False)
    return out


@pytest.mark.gl
def test_dataset_layout_and_manifest(dataset):
    manifest = json.loads((dataset / "manifest.json").read_text())
    assert manifest["frames"] == 6 and manifest["seed"] == 0
    assert len(manifest["scenario_hash"]) == 64
    for kind, ext in [("images", "png"), ("semantic", "png"), ("instance", "png"), ("depth", "npy")]:
        assert len(list((dataset / kind / "front").glob(f"*.{ext}"))) == 6
    assert not list(dataset.parent.glob(".run1.partial-*"))


@pytest.mark.gl
def test_coco_boxes_and_areas_equal_the_instance_pixels(dataset):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(dataset / "annotations" / "instances.json"))
    assert {c["id"] for c in coco.loadCats(coco.getCatIds())} >= {26, 27}
    n_checked = 0
    for img in coco.loadImgs(coco.getImgIds()):
        inst = cv2.imread(str(dataset / img["file_name"].replace("images/", "instance/")), cv2.IMREAD_UNCHANGED)
        sem = cv2.imread(str(dataset / img["file_name"].replace("images/", "semantic/")), cv2.IMREAD_UNCHANGED)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img["id"]))
        assert sorted(a["track_id"] for a in anns) == sorted(set(np.unique(inst)) - {0})
        for a in anns:
            ys, xs = np.nonzero(inst == a["track_id"])
            assert a["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
            assert a["area"] == len(xs)
            assert set(np.unique(sem[ys, xs])) == {a["category_id"]}
            np.testing.assert_array_equal(coco.annToMask(a).astype(bool), inst == a["track_id"])
            n_checked += 1
    assert n_checked >= 12                                     # the scene really shows several vehicles


@pytest.mark.gl
def test_ground_truth_against_itself_gives_ap_1(dataset):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(dataset / "annotations" / "instances.json"))
        dt = gt.loadRes([{**a, "score": 1.0} for a in gt.dataset["annotations"]])
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate(), ev.accumulate(), ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)


@pytest.mark.gl
def test_same_scenario_and_seed_give_byte_identical_labels(dataset, tmp_path):
    again = tmp_path / "run2"
    render_scenario(small_spec(), again, progress=False)
    for rel in ["annotations/instances.json", "manifest.json"] + \
               [str(p.relative_to(dataset)) for kind in ("semantic", "instance", "depth") for p in (dataset / kind).rglob("*.*")]:
        assert (dataset / rel).read_bytes() == (again / rel).read_bytes(), rel


@pytest.mark.gl
def test_existing_dataset_is_kept_unless_overwrite(dataset, tmp_path):
    out = tmp_path / "ds"
    render_scenario(small_spec(), out, max_frames=1, progress=False)
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(DatasetError, match="--overwrite"):
        render_scenario(small_spec(), out, max_frames=2, progress=False)
    assert (out / "manifest.json").read_bytes() == before
    render_scenario(small_spec(), out, max_frames=2, progress=False, overwrite=True)
    assert json.loads((out / "manifest.json").read_text())["frames"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]    # no staging or old folders left


def test_foreign_folder_is_never_written(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DatasetError, match="holds no scenariosim dataset"):
        render_scenario(small_spec(), tmp_path, progress=False, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.gl
def test_failure_mid_render_leaves_nothing_behind(tmp_path, monkeypatch):
    import scenariosim.batch.job as job

    calls, real = [], job.object_labels

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(job, "object_labels", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        render_scenario(small_spec(), tmp_path / "ds", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unsampled_spec_is_refused(tmp_path):
    from scenariosim.dsl import loads

    text = (Path(__file__).resolve().parents[1] / "scenarios" / "highway_random.scn").read_text()
    with pytest.raises(ValueError, match="sample"):
        render_scenario(loads(text), tmp_path / "ds", progress=False)
    assert not (tmp_path / "ds").exists()


def test_folder_with_a_foreign_manifest_is_never_replaced(tmp_path):
    (tmp_path / "manifest.json").write_text('{"name": "my web app"}')
    (tmp_path / "index.html").write_text("mine")
    with pytest.raises(DatasetError, match="holds no scenariosim dataset"):
        render_scenario(small_spec(), tmp_path, progress=False, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "manifest.json"]
