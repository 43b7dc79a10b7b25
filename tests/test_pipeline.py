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


FORMATS = ("coco", "kitti", "yolo", "cityscapes")


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
    render_scenario(small_spec(), out, progress=False, formats=FORMATS)
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
    render_scenario(small_spec(), again, progress=False, formats=FORMATS)
    written = sorted(str(p.relative_to(dataset)) for p in dataset.rglob("*") if p.is_file())
    assert written == sorted(str(p.relative_to(again)) for p in again.rglob("*") if p.is_file())
    assert len(written) > 60                        # every format's files, not just a few
    for rel in written:
        assert (dataset / rel).read_bytes() == (again / rel).read_bytes(), rel


@pytest.mark.gl
def test_a_written_dataset_passes_validate_and_a_broken_one_fails(dataset, tmp_path):
    import shutil
    import subprocess
    import sys

    def validate(folder):
        return subprocess.run([sys.executable, "-m", "scenariosim", "validate", str(folder)], capture_output=True,
                              text=True)
    ok = validate(dataset)
    assert ok.returncode == 0, ok.stderr
    broken = tmp_path / "broken"
    shutil.copytree(dataset, broken)
    (broken / "kitti" / "front" / "label_2" / "000003.txt").unlink()
    bad = validate(broken)
    assert bad.returncode == 1 and "000003" in bad.stderr and "Traceback" not in bad.stderr


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


@pytest.mark.gl
def test_kitti_3d_boxes_projected_with_the_calib_file_land_on_the_written_2d_boxes(dataset):
    """Read back label_2 and calib as a KITTI tool does; devkit corners through P2 give the 2D box
    within 1 px for every labelled object wholly inside the image."""
    checked = 0
    for label in sorted((dataset / "kitti" / "front" / "label_2").glob("*.txt")):
        calib = {}
        for line in (dataset / "kitti" / "front" / "calib" / label.name).read_text().splitlines():
            key, values = line.split(":", 1)
            calib[key] = np.array(values.split(), dtype=float)
        P2 = calib["P2"].reshape(3, 4)
        for row in label.read_text().splitlines():
            f = row.split()
            if f[0] == "DontCare" or float(f[1]) > 0:
                continue
            box = np.array(f[4:8], dtype=float)
            h, w, l = map(float, f[8:11])
            loc, ry = np.array(f[11:14], dtype=float), float(f[14])
            x = np.array([l, l, -l, -l, l, l, -l, -l]) / 2
            y = np.array([0, 0, 0, 0, -h, -h, -h, -h])
            z = np.array([w, -w, -w, w, w, -w, -w, w]) / 2
            c, s = np.cos(ry), np.sin(ry)
            pts = np.stack([c * x + s * z, y, -s * x + c * z], 1) + loc
            uvw = np.c_[pts, np.ones(8)] @ P2.T
            uv = uvw[:, :2] / uvw[:, 2:]
            np.testing.assert_allclose([*uv.min(0), *uv.max(0)], box, atol=1.0)
            checked += 1
    assert checked >= 5


@pytest.mark.gl
def test_the_manifest_records_every_drawn_parameter(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "cut"
    run = subprocess.run([sys.executable, "-m", "scenariosim", "render", "scenarios/cut_in.scn", "--out", str(out),
                          "--frames", "1", "--quiet", "--seed", "4", "--set", "gap0=31 m", "--formats", "yolo"],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["parameters"]["gap0"] == pytest.approx(31.0)
    assert set(manifest["parameters"]) >= {"gap0", "ego_speed"} and manifest["sweep_point"] is None
    assert manifest["formats"][0] == "yolo" and (out / "data.yaml").exists()
    assert not (out / "annotations" / "instances.json").exists()


@pytest.mark.gl
def test_yolo_boxes_converted_back_to_pixels_equal_the_coco_boxes(dataset):
    coco = json.loads((dataset / "annotations" / "instances.json").read_text())
    names = [c["name"] for c in coco["categories"]]               # YOLO classes: the same order
    compared = 0
    for image in coco["images"]:
        w, h = image["width"], image["height"]
        expected = sorted((names.index(next(c["name"] for c in coco["categories"] if c["id"] == a["category_id"])),
                           *a["bbox"]) for a in coco["annotations"] if a["image_id"] == image["id"] and not a["iscrowd"])
        rows = (dataset / "labels" / image["camera"] / f"{image['frame']:06d}.txt").read_text().split("\n")
        got = []
        for row in filter(None, rows):
            c, xc, yc, bw, bh = row.split()
            xc, yc, bw, bh = float(xc) * w, float(yc) * h, float(bw) * w, float(bh) * h
            got.append((int(c), xc - bw / 2, yc - bh / 2, bw, bh))
        assert len(got) == len(expected)
        for g, e in zip(sorted(got), expected):
            assert g[0] == e[0]
            np.testing.assert_allclose(g[1:], e[1:], atol=1e-3)
            compared += 1
    assert compared >= 5


@pytest.mark.gl
@pytest.mark.parametrize("edit", ["kitti_type", "kitti_line", "yolo_row", "coco_category", "coco_crowd", "coco_track"])
def test_validate_finds_formats_that_disagree_with_the_frame_labels(dataset, tmp_path, edit):
    """Hand edits that keep every file well formed but make one format disagree with the frame JSON."""
    import shutil

    from scenariosim.dataset.validate import validate_dataset

    copy = tmp_path / "edited"
    shutil.copytree(dataset, copy)
    kitti = copy / "kitti" / "front" / "label_2" / "000002.txt"
    yolo = copy / "labels" / "front" / "000002.txt"
    coco_path = copy / "annotations" / "instances.json"
    coco = json.loads(coco_path.read_text())
    image = next(i["id"] for i in coco["images"] if i["frame"] == 2)
    ann = next(a for a in coco["annotations"] if a["image_id"] == image and not a["iscrowd"])
    if edit == "kitti_type":
        kitti.write_text(kitti.read_text().replace("Car ", "Pedestrian ", 1))
    elif edit == "kitti_line":
        kitti.write_text("".join(kitti.read_text().splitlines(keepends=True)[1:]))
    elif edit == "yolo_row":
        yolo.write_text("".join(yolo.read_text().splitlines(keepends=True)[1:]))
    elif edit == "coco_category":
        ann["category_id"] = 27 if ann["category_id"] != 27 else 26
    elif edit == "coco_crowd":
        ann["iscrowd"] = 1
    else:
        ann["track_id"] = 999
    coco_path.write_text(json.dumps(coco))
    assert validate_dataset(dataset) == []
    problems = validate_dataset(copy)
    assert problems and any("disagree" in p or "lacks" in p or "no annotation" in p for p in problems)
