"""Golden images: one small street scene (tools/update_golden.py) under every preset of
scenariosim.spec.conditions, against the references in tests/golden/conditions/.

Class and instance ids must match exactly. Colour passes when at most 1 % of the pixels have a channel
more than 8 levels off and the mean absolute difference is at most 2 levels (update_golden.PIXEL_LEVELS,
OUTLIER_FRACTION, MEAN_LEVELS). Why these numbers, measured on this 64×48 scene with llvmpipe:

- the same renderer renders byte-identical frames run after run, so any tolerance passes there; the
  tolerance is for other rasterisers (another Mesa/LLVM, a GPU driver), whose float rounding and
  transcendental functions move colours by a level or two, and the 1 % (30 pixels) for the odd pixel
  where an edge inside one class (a building's window bands, a shadow's edge) lands differently;
- a real change of the light fails: sun elevation 65° → 55° (5.5 % outliers, mean 2.6), sun azimuth
  180° → 150° (2.3 % outliers), fog visual range 600 → 500 m (3.2 % outliers, mean 2.3), any change of the
  light preset (dusk ↔ night: mean 6). Below the tolerance: sun elevation 65° → 60° (0.2 %, mean 1.1),
  azimuth 180° → 170° (mean 0.15).

The second half checks that presets are not silently ignored: every condition must look different from
clear_noon (by the same tolerance), every field a preset sets must change the picture, and no preset may
change the labels.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from scenariosim.spec.conditions import CONDITIONS
from scenariosim.taxonomy import BUILDING, BY_NAME, LANE_MARKING, ROAD, SKY

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import update_golden  # noqa: E402  (tools/ is no package)

pytestmark = [pytest.mark.gl, pytest.mark.golden]

CLEAR = CONDITIONS["clear_noon"]

#: EnvironmentSpec fields the renderer does not draw yet. A preset whose only differences from clear_noon
#: lie in these fields renders like clear_noon, and its checks below are strict xfails: the day the
#: renderer starts drawing one of these fields, they pass, strict turns that into a failure, and the
#: field comes off this set.
NOT_RENDERED: frozenset[str] = frozenset()

UPDATE = "python tools/update_golden.py"


def changed_fields(env) -> list[str]:
    """The EnvironmentSpec fields in which ``env`` differs from clear_noon (``sun`` counts as one)."""
    return [f.name for f in dataclasses.fields(env) if getattr(env, f.name) != getattr(CLEAR, f.name)]


def not_rendered(fields) -> list:
    """An xfail(strict) mark when every field in ``fields`` is one the renderer does not draw yet."""
    if fields and set(fields) <= NOT_RENDERED:
        return [pytest.mark.xfail(strict=True, reason=f"the renderer does not use {', '.join(fields)} yet "
                                                        "(when this passes, take it off NOT_RENDERED)")]
    return []


@pytest.fixture(scope="module")
def frames():
    """Frame per condition name: the golden scene rendered now."""
    return update_golden.render_conditions()


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """Where failing renders are written for inspection."""
    return tmp_path_factory.mktemp("golden_renders")


def test_goldens_exist_for_every_condition_with_its_current_preset():
    path = update_golden.GOLDEN / "manifest.json"
    assert path.is_file(), f"no {path.relative_to(ROOT)}: run `{UPDATE}`"
    manifest = json.loads(path.read_text())
    assert manifest["size"] == [update_golden.WIDTH, update_golden.HEIGHT], f"golden size changed: run `{UPDATE}`"
    assert set(manifest["conditions"]) == set(CONDITIONS), (
        f"goldens exist for {sorted(manifest['conditions'])}, presets are {sorted(CONDITIONS)}: run `{UPDATE}`")
    stale = [name for name, env in CONDITIONS.items()
             if manifest["conditions"][name] != json.loads(json.dumps(dataclasses.asdict(env)))]
    assert not stale, (f"the presets {stale} changed since their goldens were rendered: run `{UPDATE} --only "
                       f"{' '.join(stale)}` and look at the new images")


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_render_matches_golden(name, frames, out):
    frame = frames[name]
    found = update_golden.differences(name, frame)
    if not found:
        return
    update_golden.write(name, frame, out)
    try:
        golden = update_golden.read(name)
        diff = np.abs(frame.rgb.astype(np.int16) - golden.rgb.astype(np.int16)).max(axis=-1)
        cv2.imwrite(str(out / f"{name}.diff.png"), np.clip(diff * 8, 0, 255).astype(np.uint8))
    except (FileNotFoundError, ValueError):
        pass
    golden = update_golden.paths(name)
    pytest.fail(f"{name}: the render is off its golden:\n  " + "\n  ".join(found)
                + f"\nnew render: {out}/{name}.{{rgb,class,instance,diff}}.png"
                + f"\ngolden:     {golden['rgb'].parent}/{name}.{{rgb,class,instance}}.png"
                + f"\nif the change is intended, rewrite the goldens with `{UPDATE} --only {name}` (or all of them "
                  f"with `{UPDATE}`), look at them, and commit tests/golden/ with the change", pytrace=False)


@pytest.mark.parametrize("name", [pytest.param(name, marks=not_rendered(changed_fields(env)))
                                  for name, env in CONDITIONS.items() if name != "clear_noon"])
def test_condition_looks_different_from_clear_noon(name, frames):
    diff = update_golden.colour_diff(frames[name].rgb, frames["clear_noon"].rgb)
    assert not diff.ok, (f"{name} ({', '.join(changed_fields(CONDITIONS[name]))} set) renders within the golden "
                         f"tolerance of clear_noon: {diff}")


#: (condition, field) for every field a preset sets away from clear_noon
FIELD_CASES = [(name, field) for name, env in CONDITIONS.items() for field in changed_fields(env)]


@pytest.fixture(scope="module")
def without_field():
    """Frame per 'condition-field': the condition with that field put back to clear_noon's value."""
    environments = {f"{name}-{field}": dataclasses.replace(CONDITIONS[name], **{field: getattr(CLEAR, field)})
                    for name, field in FIELD_CASES}
    return update_golden.render_conditions(environments=environments)


@pytest.mark.parametrize("name, field", [pytest.param(name, field, marks=not_rendered([field]), id=f"{name}-{field}")
                                         for name, field in FIELD_CASES])
def test_every_field_a_preset_sets_changes_the_picture(name, field, frames, without_field):
    diff = update_golden.colour_diff(frames[name].rgb, without_field[f"{name}-{field}"].rgb)
    assert not diff.ok, (f"{name} renders within the golden tolerance of itself with {field} = "
                         f"{getattr(CLEAR, field)!r}: {diff}")


@pytest.mark.parametrize("name", [name for name in CONDITIONS if name != "clear_noon"])
def test_light_and_weather_never_change_the_labels(name, frames):
    frame, clear = frames[name], frames["clear_noon"]
    assert np.array_equal(frame.class_id, clear.class_id)
    assert np.array_equal(frame.instance, clear.instance)


def test_golden_scene_shows_a_car_a_pedestrian_markings_a_building_and_sky(frames):
    """The scene is what the goldens claim to cover (guards against a camera or road change emptying it)."""
    frame = frames["clear_noon"]
    counts = np.bincount(frame.class_id.ravel(), minlength=256)
    for cls in (ROAD, LANE_MARKING, BUILDING, SKY, BY_NAME["car"].id, BY_NAME["person"].id):
        assert counts[cls] >= 12, f"class {cls} covers {counts[cls]} pixels"
    assert set(np.unique(frame.instance)) == {0, 1, 2}
