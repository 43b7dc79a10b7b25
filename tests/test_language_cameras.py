"""Cameras fixed in the world, the bird's-eye view, sensor effects (distortion, exposure, noise, shutter,
vignetting) and actor meshes: what each form means in SI, every mistake as a located error that says why,
the Python API gate (validate), and the round trip through the writer."""
from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from scenariosim.dsl import load, loads, loads_file
from scenariosim.dsl.writer import to_text
from scenariosim.errors import ScenarioSimError, ScenarioValidationError, UnitError, format_error
from scenariosim.spec import sample, validate
from scenariosim.spec.roads import HighwaySpec
from scenariosim.spec.scenario import ActorSpec, CameraSpec, ScenarioSpec
from scenariosim.spec.validate import MAX_MESH_BYTES
from scenariosim.spec.values import Const, ParamRef, Uniform
from scenariosim.sweep.plan import expand
from scenariosim.units import DIMENSIONLESS

ROOT = Path(__file__).resolve().parents[1]

HEAD = """\
scenario t:
    seed: 5
    duration: 10 s
    timestep: 0.05 s
    road main = highway(length: 1 km, lanes: 3)
    actor ego: car
        at: lane(main, 2), s 100 m
        speed: 20 m/s
"""


def scenario(body: str, head: str = HEAD) -> str:
    """``head`` followed by ``body`` (lines of the scenario block, indented four spaces)."""
    return head + "".join(f"    {line}\n" if line else "\n" for line in body.splitlines())


def camera_of(body: str, name: str | None = None) -> CameraSpec:
    spec = loads(scenario(body), "t.scn")
    return next(c for c in spec.cameras if name is None or c.name == name)


def error_of(text: str, filename: str = "t.scn") -> ScenarioSimError:
    with pytest.raises(ScenarioSimError) as info:
        sample(loads_file(text, filename).scenarios["t"])
    return info.value


def located(err: ScenarioSimError, text: str, line_text: str, at: str, occurrence: int = 0) -> None:
    """``err`` points at the ``occurrence``-th ``at`` in the line containing ``line_text``, with a caret."""
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line_text in line)
    column = -1
    for _ in range(occurrence + 1):
        column = lines[number - 1].index(at, column + 1)
    assert err.location is not None, err
    assert (err.location.line, err.location.column) == (number, column + 1), format_error(err)
    shown = format_error(err)
    assert f"t.scn:{number}:{column + 1}:" in shown and "^" in shown


# ---- fixed cameras ------------------------------------------------------------------------------

def test_a_fixed_camera_has_no_mount_and_its_header_position_in_si():
    cam = camera_of("camera gantry at (0.15 km, -800 cm, 6 m):\n    yaw: 90 deg\n    pitch: -15 deg")
    assert cam.mount is None
    assert cam.position == pytest.approx((150.0, -8.0, 6.0))
    assert cam.yaw == pytest.approx(math.pi / 2) and cam.pitch == pytest.approx(math.radians(-15))
    assert cam.view == "perspective"


def test_a_fixed_camera_position_may_be_random_and_read_attributes():
    text = scenario("param h = uniform(5 m, 9 m)\ncamera pole at (ego.s + 20 m, -4 m, h):\n    fov: 60 deg")
    spec = loads(text)
    assert isinstance(spec.cameras[0].position[2], ParamRef)
    for seed in range(5):
        cam = sample(spec, seed).cameras[0]
        assert cam.position[0] == pytest.approx(120.0) and 5.0 <= cam.position[2] <= 9.0


def test_mounted_and_fixed_cameras_side_by_side_keep_their_order():
    spec = loads(scenario("camera a at (1 m, 2 m, 3 m):\n    rate: 5 Hz\ncamera b on ego:\n    rate: 5 Hz"))
    assert [(c.name, c.mount) for c in spec.cameras] == [("a", None), ("b", "ego")]
    assert spec.cameras[1].position == CameraSpec(name="x").position


def test_a_camera_may_be_mounted_on_an_actor_declared_later():
    text = HEAD.replace("    actor ego: car\n        at: lane(main, 2), s 100 m\n        speed: 20 m/s\n", "")
    spec = loads(text + "    camera c on late:\n        rate: 5 Hz\n    actor late: car\n        at: lane(main, 1), s 9 m\n")
    assert spec.cameras[0].mount == "late"


# ---- view ---------------------------------------------------------------------------------------

def test_birdseye_fixed_and_mounted():
    top = camera_of("camera top at (200 m, 5 m, 60 m):\n    view: birdseye\n    fov: 60 deg")
    assert (top.view, top.mount, top.position, top.yaw, top.pitch) == ("birdseye", None, (200.0, 5.0, 60.0), 0.0, 0.0)
    chase = camera_of("camera chase on ego:\n    position: (0 m, 0 m, 25 m)\n    view: birdseye")
    assert (chase.view, chase.mount, chase.position) == ("birdseye", "ego", (0.0, 0.0, 25.0))
    assert camera_of("camera c on ego:\n    view: perspective").view == "perspective"


# ---- sensor effects -----------------------------------------------------------------------------

@pytest.mark.parametrize("written, value", [
    ("(-0.28, 0.07, 0.001, -0.002, -0.01)", (-0.28, 0.07, 0.001, -0.002, -0.01)),
    ("(-0.28, 0.07, 0.001, -0.002)", (-0.28, 0.07, 0.001, -0.002, 0.0)),
    ("(-0.28, 0.07)", (-0.28, 0.07, 0.0, 0.0, 0.0)),
    ("(-10, 10)", (-10.0, 10.0, 0.0, 0.0, 0.0)),
    ("(+0.5 * 0.2, 0)", (0.1, 0.0, 0.0, 0.0, 0.0)),
])
def test_distortion_takes_two_four_or_five_coefficients_in_opencv_order(written, value):
    cam = camera_of(f"camera c on ego:\n    distortion: {written}")
    assert cam.distortion == pytest.approx(value) and len(cam.distortion) == 5


@pytest.mark.parametrize("field, written, value", [
    ("exposure", "+1.5", 1.5), ("exposure", "-0.5", -0.5), ("exposure", "2", 2.0), ("exposure", "-10", -10.0),
    ("noise", "2 %", 0.02), ("noise", "0.05", 0.05), ("noise", "0", 0.0),
    ("shutter", "10 ms", 0.01), ("shutter", "0.1 s", 0.1), ("shutter", "0 s", 0.0),
    ("vignetting", "30 %", 0.3), ("vignetting", "1", 1.0),
])
def test_sensor_effects_in_si(field, written, value):
    cam = camera_of(f"camera c on ego:\n    {field}: {written}")
    assert getattr(cam, field) == pytest.approx(value)
    others = {f.name for f in dataclasses.fields(CameraSpec)} - {field, "name", "mount"}
    assert all(getattr(cam, f) == getattr(CameraSpec(name="c"), f) for f in others)


def test_sensor_effects_may_be_params_and_distributions():
    text = scenario("param n = uniform(0 %, 5 %)\nparam t = normal(10 ms, 2 ms, min: 1 ms, max: 20 ms)\n"
                    "camera c on ego:\n    noise: n\n    shutter: t\n    exposure: uniform(-1, 1)\n"
                    "    vignetting: n * 2\n    distortion: (uniform(-0.3, -0.1), 0.05)")
    spec = loads(text)
    assert isinstance(spec.cameras[0].noise, ParamRef)
    for seed in range(8):
        cam = sample(spec, seed).cameras[0]
        assert 0 <= cam.noise <= 0.05 and 0.001 <= cam.shutter <= 0.02 and -1 <= cam.exposure <= 1
        assert cam.vignetting == pytest.approx(2 * cam.noise) and -0.3 <= cam.distortion[0] <= -0.1


def test_noise_and_shutter_can_be_swept():
    text = scenario("param sensor_noise = 0 %\nparam exposure_time = 5 ms\n"
                    "camera front on ego:\n    noise: sensor_noise\n    shutter: exposure_time")
    text += ("\nsweep worse of t:\n    grid:\n        sensor_noise: [0 %, 1 %, 10 %]\n"
             "        exposure_time: range(1 ms, 41 ms, step: 20 ms)\n")
    sweep = loads_file(text, "t.scn").sweeps["worse"]
    runs = expand(sweep)
    seen = set()
    for run in runs:
        cam = sample(sweep.scenario, run.seed, overrides=dict(run.point)).cameras[0]
        seen.add((round(cam.noise, 9), round(cam.shutter, 9)))
    assert seen == {(n, s) for n in (0.0, 0.01, 0.1) for s in (0.001, 0.021, 0.041)}


def test_a_leading_plus_is_a_sign_anywhere_and_a_sum_after_a_name():
    spec = loads(scenario("param v = 10 m/s\nactor b: car\n    at: lane(main, 1), s +50 m, d +0.5 m\n"
                          "    speed: v + 5 m/s\nactor c: car\n    at: lane(main, 3), s 60 m\n    speed: +v"))
    assert (spec.actors[1].s, spec.actors[1].d) == (50.0, 0.5)
    drawn = sample(spec)
    assert drawn.actors[1].speed == 15.0 and drawn.actors[2].speed == 10.0


# ---- camera mistakes ----------------------------------------------------------------------------

CAMERA_ERRORS = {
    # name: (camera lines, line holding the error, text the column points at, error type, message)
    "shutter without unit": ("camera c on ego:\n    shutter: 10", "shutter:", "10", UnitError,
                             "shutter needs a time unit (s, ms, min, h), got a plain number"),
    "shutter in metres": ("camera c on ego:\n    shutter: 10 m", "shutter:", "m", UnitError,
                          "shutter needs a time, got a length (m)"),
    "shutter too long": ("camera c on ego:\n    shutter: 2 s", "shutter:", "2", ScenarioValidationError,
                         "shutter must be at most 1 s, got 2 s"),
    "shutter negative": ("camera c on ego:\n    shutter: -1 ms", "shutter:", "-", ScenarioValidationError,
                         "shutter must be at least 0 s, got -0.001 s"),
    "shutter beyond the frame interval": ("camera c on ego:\n    rate: 10 Hz\n    shutter: 200 ms", "shutter:", "200",
                                          ScenarioValidationError,
                                          "shutter 0.2 s is longer than the time between frames (0.1 s at 10 Hz)"),
    "noise above one": ("camera c on ego:\n    noise: 2", "noise:", "2", ScenarioValidationError,
                        "noise must be between 0 and 1 (0 % and 100 %), got 2"),
    "noise with a unit": ("camera c on ego:\n    noise: 2 ms", "noise:", "2", UnitError,
                          "noise is a fraction like 0.3 or 30 %, got a time (ms)"),
    "vignetting above one": ("camera c on ego:\n    vignetting: 150 %", "vignetting:", "150",
                             ScenarioValidationError, "vignetting must be between 0 and 1 (0 % and 100 %), got 1.5"),
    "exposure out of range": ("camera c on ego:\n    exposure: +11", "exposure:", "+", ScenarioValidationError,
                              "exposure must be at most 10, got 11"),
    "exposure in EV": ("camera c on ego:\n    exposure: 1.5 EV", "exposure:", "EV", UnitError,
                       "exposure is a plain number of stops (EV) like +1.5 or -0.5, without a unit"),
    "exposure with a unit": ("camera c on ego:\n    exposure: -2 ms", "exposure:", "ms", UnitError,
                             "exposure is a plain number of stops"),
    "exposure in percent": ("camera c on ego:\n    exposure: 50 %", "exposure:", "%", UnitError,
                            "exposure is a plain number of stops"),
    "three distortion coefficients": ("camera c on ego:\n    distortion: (0.1, 0.2, 0.3)", "distortion:", "0.1",
                                      ScenarioValidationError,
                                      "distortion needs (k1, k2), (k1, k2, p1, p2) or (k1, k2, p1, p2, k3), plain "
                                      "numbers in OpenCV's order, got a tuple of 3"),
    "one distortion number": ("camera c on ego:\n    distortion: 0.1", "distortion:", "0.1",
                              ScenarioValidationError, "got a plain number"),
    "distortion too strong": ("camera c on ego:\n    distortion: (0.1, -12)", "distortion:", "-",
                              ScenarioValidationError, "a distortion coefficient must be at least -10, got -12"),
    "distortion with a unit": ("camera c on ego:\n    distortion: (0.1, 2 mm)", "distortion:", "2", UnitError,
                               "a distortion coefficient is a plain number like -0.25, got a length (mm)"),
    "misspelt view": ("camera c on ego:\n    view: birdeye", "view:", "birdeye", ScenarioValidationError,
                      "unknown camera view 'birdeye' (did you mean 'birdseye'?)"),
    "view not a name": ("camera c on ego:\n    view: 3", "view:", "3", ScenarioValidationError,
                        "view is perspective or birdseye, got a plain number"),
    "birdseye with a yaw": ("camera c at (0 m, 0 m, 50 m):\n    view: birdseye\n    yaw: 10 deg", "yaw:", "yaw",
                            ScenarioValidationError, "a birdseye camera looks straight down, so it takes no yaw"),
    "birdseye with a pitch": ("camera c on ego:\n    pitch: -90 deg\n    view: birdseye", "pitch:", "pitch",
                              ScenarioValidationError, "a birdseye camera looks straight down, so it takes no pitch"),
    "birdseye on the ground": ("camera c at (10 m, 0 m, 0 m):\n    view: birdseye", "camera c at", "0 m)",
                               ScenarioValidationError,
                               "a birdseye camera looks straight down, so its height z must be above the ground "
                               "(> 0 m), got 0 m"),
    "birdseye mounted below": ("camera c on ego:\n    position: (0 m, 0 m, -1 m)\n    view: birdseye",
                               "position:", "-1 m", ScenarioValidationError,
                               "its height z must be above the ground under 'ego' (> 0 m), got -1 m"),
    "position of a fixed camera": ("camera c at (0 m, 0 m, 5 m):\n    position: (1 m, 0 m, 1 m)", "position:",
                                   "position", ScenarioValidationError,
                                   "camera 'c' is fixed in the world: its position is the one in its header, "
                                   "camera c at (X, Y, Z)"),
    "two coordinates": ("camera c at (1 m, 2 m):\n    fov: 60 deg", "camera c at", "1", ScenarioValidationError,
                        "a fixed camera's place needs (x, y, z) lengths, got a tuple of 2"),
    "a time for a coordinate": ("camera c at (1 m, 2 m, 3 s):\n    fov: 60 deg", "camera c at", "s", UnitError,
                                "position needs a length, got a time (s)"),
    "unknown field": ("camera c on ego:\n    vignette: 30 %", "vignette", "vignette", ScenarioValidationError,
                      "unknown field 'vignette' (did you mean 'vignetting'?)"),
    "unknown actor": ("camera c on eggo:\n    fov: 60 deg", "camera c on", "eggo", ScenarioValidationError,
                      "camera 'c' is mounted on an unknown actor 'eggo' (did you mean 'ego'?)"),
}


@pytest.mark.parametrize("case", CAMERA_ERRORS.values(), ids=CAMERA_ERRORS)
def test_camera_mistakes_are_located_and_say_why(case):
    body, line_text, at, kind, message = case
    text = scenario(body)
    err = error_of(text)
    assert isinstance(err, kind), (type(err), err)
    assert message in err.message, err.message
    located(err, text, line_text, at)


def test_at_without_a_position_is_a_syntax_error():
    text = scenario("camera c at:\n    fov: 60 deg")
    err = error_of(text)
    assert err.location.line == text.splitlines().index("    camera c at:") + 1
    assert "after 'at'" in err.message


# ---- meshes -------------------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scenario folder with meshes, and a file outside it."""
    folder = tmp_path / "project"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "car.glb").write_bytes(b"glTF\x02\x00\x00\x00")
    (folder / "models" / "truck.GLTF").write_text("{}")
    (folder / "bus.obj").write_text("v 0 0 0\n")
    (folder / "models" / "folder.glb").mkdir()
    (folder / "models" / "notes.txt").write_text("x")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.glb").write_bytes(b"glTF")
    return folder


def mesh_scenario(path: str) -> str:
    return scenario(f"actor lead: truck\n    at: lane(main, 2), s 150 m\n    mesh: {path}")


def load_in(folder: Path, text: str):
    (folder / "t.scn").write_text(text)
    return load(folder / "t.scn")


@pytest.mark.parametrize("written, target", [
    ('"models/car.glb"', "models/car.glb"), ('"./models/car.glb"', "models/car.glb"),
    ('"models/truck.GLTF"', "models/truck.GLTF"), ('"bus.obj"', "bus.obj"),
])
def test_a_mesh_resolves_to_an_absolute_path_inside_the_folder(project, written, target):
    spec = load_in(project, mesh_scenario(written))
    assert spec.actors[1].mesh == str((project / target).resolve())
    assert Path(spec.actors[1].mesh).is_absolute()
    assert spec.actors[0].mesh is None
    assert sample(spec).actors[1].mesh == spec.actors[1].mesh


def test_loads_file_resolves_meshes_against_the_folder_of_its_filename(project):
    spec = loads_file(mesh_scenario('"models/car.glb"'), str(project / "virtual.scn")).scenarios["t"]
    assert spec.actors[1].mesh == str((project / "models" / "car.glb").resolve())


def test_a_mesh_resolves_against_the_folder_of_the_file_that_holds_the_scenario(project):
    lib = project / "lib"
    (lib / "parts").mkdir(parents=True)
    (lib / "parts" / "van.obj").write_text("v 0 0 0\n")
    (lib / "scene.scn").write_text(mesh_scenario('"parts/van.obj"'))
    (project / "main.scn").write_text('import "lib/scene.scn"\n')
    from scenariosim.dsl import load_file
    spec = load_file(project / "main.scn").scenarios["t"]
    assert spec.actors[1].mesh == str((lib / "parts" / "van.obj").resolve())


def test_a_link_inside_the_folder_to_a_file_inside_it_is_fine(project):
    try:
        (project / "alias.glb").symlink_to(project / "models" / "car.glb")
    except OSError:
        pytest.skip("symlinks are not available")
    spec = load_in(project, mesh_scenario('"alias.glb"'))
    assert spec.actors[1].mesh == str((project / "models" / "car.glb").resolve())


_audit: list[str] | None = None


def _hook(event: str, args: tuple) -> None:
    if _audit is not None and event == "open":
        _audit.append(str(args[0]))


sys.addaudithook(_hook)   # does nothing outside `_opened`


@contextmanager
def _opened():
    global _audit
    _audit = []
    try:
        yield _audit
    finally:
        _audit = None


def test_loading_never_opens_the_mesh(project):
    (project / "t.scn").write_text(mesh_scenario('"models/car.glb"'))
    with _opened() as opened:
        spec = load(project / "t.scn")
        sample(spec)
    assert spec.actors[1].mesh and not any(p.endswith(".glb") for p in opened), opened


MESH_ERRORS = {
    "'..' out of the folder": ('"../outside/secret.glb"', "mesh paths may not use '..' or names starting with '.'"),
    "'..' inside the path": ('"models/../bus.obj"', "mesh paths may not use '..'"),
    "absolute path": ('"/etc/car.glb"', 'mesh needs a relative path with / between folders, like "models/car.glb"'),
    "drive letter": ('"C:/car.glb"', "mesh needs a relative path"),
    "hidden name": ('".cache/car.glb"', "names starting with '.'"),
    "empty": ('""', "mesh needs a relative path"),
    "wrong extension": ('"models/notes.txt"', 'a mesh is a .glb, .gltf or .obj file, got "models/notes.txt"'),
    "fbx": ('"models/car.fbx"', "a mesh is a .glb, .gltf or .obj file"),
    "missing file": ('"models/van.glb"', 'cannot find mesh "models/van.glb" in'),
    "a folder": ('"models/folder.glb"', 'mesh "models/folder.glb" is not a regular file'),
    "not quoted": ("car", 'mesh needs a quoted relative path like "models/car.glb", got the name \'car\''),
    "a number": ("3", "mesh needs a quoted relative path"),
}


@pytest.mark.parametrize("case", MESH_ERRORS.values(), ids=MESH_ERRORS)
def test_mesh_mistakes_are_located_at_the_path(project, case):
    written, message = case
    text = mesh_scenario(written)
    err = error_of(text, str(project / "t.scn"))
    assert isinstance(err, ScenarioValidationError) and message in err.message, err.message
    line = next(i for i, line in enumerate(text.splitlines(), 1) if "mesh:" in line)
    assert (err.location.line, err.location.column) == (line, text.splitlines()[line - 1].index(written) + 1)
    assert str(project / "t.scn") in str(err)


@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_link_out_of_the_folder_is_refused(project, how):
    try:
        if how == "file":
            (project / "models" / "link.glb").symlink_to(project.parent / "outside" / "secret.glb")
            path = "models/link.glb"
        else:
            (project / "shared").symlink_to(project.parent / "outside", target_is_directory=True)
            path = "shared/secret.glb"
    except OSError:
        pytest.skip("symlinks are not available")
    text = mesh_scenario(f'"{path}"')
    err = error_of(text, str(project / "t.scn"))
    assert f'mesh "{path}" leads outside the scenario\'s folder' in err.message
    assert err.location.line == len(text.splitlines())


def test_a_backslash_is_a_syntax_error_at_the_path(project):
    text = mesh_scenario('"models\\car.glb"')
    err = error_of(text, str(project / "t.scn"))
    assert err.location.line == len(text.splitlines()) and "unexpected character" in err.message


@pytest.mark.parametrize("odd", ["\x00", "\r", "\x1b", "\u2028"])
def test_control_characters_in_mesh_and_import_paths_are_one_line_errors(project, odd):
    text = mesh_scenario("PATH").replace("PATH", f'"models/car{odd}.glb"')
    err = error_of(text, str(project / "t.scn"))
    assert err.location.line == text.count("\n") and len(str(err).splitlines()) == 1 and odd not in str(err)
    if odd not in "\r\u2028":         # the lexer already stops at a line break inside quotes
        assert "mesh needs a relative path" in err.message and "\\" in str(err)
    with pytest.raises(ScenarioSimError) as info:
        loads_file(f'import "lib{odd}.scn"\n', str(project / "t.scn"))
    assert len(str(info.value).splitlines()) == 1 and info.value.location.line == 1


def test_a_mesh_larger_than_the_cap_is_refused(project):
    big = project / "huge.glb"
    with open(big, "wb") as f:                 # sparse: costs no disk
        f.truncate(MAX_MESH_BYTES + 1)
    err = error_of(mesh_scenario('"huge.glb"'), str(project / "t.scn"))
    assert 'mesh "huge.glb" is larger than 64 MiB' in err.message


def test_a_mesh_is_fixed_not_a_param(project):
    err = error_of(scenario('param m = 3\nactor lead: truck\n    at: lane(main, 2), s 150 m\n    mesh: m'),
                   str(project / "t.scn"))
    assert "mesh needs a quoted relative path" in err.message


# ---- the Python API: validate -------------------------------------------------------------------

def _spec(cameras=(), actors=None, **changes) -> ScenarioSpec:
    actors = actors if actors is not None else (ActorSpec(name="ego", kind="car", road="main", lane=1, s=10.0),)
    return ScenarioSpec(name="api", roads=(HighwaySpec(name="main", length=500.0),), actors=actors,
                        cameras=tuple(cameras), **changes)


def test_validate_accepts_fixed_and_mounted_cameras_with_every_effect():
    cams = (CameraSpec(name="top", mount=None, position=(10.0, 0.0, 30.0), view="birdseye"),
            CameraSpec(name="pole", position=(0.0, -5.0, 0.0), yaw=1.0, pitch=-0.3,
                       distortion=(-10.0, 10.0, 0.1, -0.1, 0.0), exposure=-10.0, noise=1.0, shutter=0.1,
                       vignetting=1.0),
            CameraSpec(name="front", mount="ego", exposure=10.0, noise=0.0, shutter=0.0))
    assert validate(_spec(cams)).cameras == cams


API_ERRORS = [
    (CameraSpec(name="c", mount="nobody"), "cameras[0].mount", "mounted on an unknown actor 'nobody'"),
    (CameraSpec(name="c", view="fisheye"), "cameras[0].view", "unknown camera view 'fisheye'"),
    (CameraSpec(name="c", view="birdseye", position=(0.0, 0.0, 0.0)), "cameras[0].position[2]",
     "height z must be above the ground (> 0 m), got 0 m"),
    (CameraSpec(name="c", mount="ego", view="birdseye", position=(0.0, 0.0, -2.0)), "cameras[0].position[2]",
     "above the ground under 'ego'"),
    (CameraSpec(name="c", view="birdseye", position=(0.0, 0.0, 9.0), yaw=0.5), "cameras[0].yaw",
     "its yaw must be 0"),
    (CameraSpec(name="c", position=(1.0, 2.0)), "cameras[0].position", "(x, y, z)"),
    (CameraSpec(name="c", distortion=(0.1, 0.2)), "cameras[0].distortion", "(k1, k2, p1, p2, k3)"),
    (CameraSpec(name="c", distortion=(0.0, 0.0, 0.0, 0.0, 11.0)), "cameras[0].distortion[4]",
     "k3 must be within ±10, got 11"),
    (CameraSpec(name="c", exposure=-10.5), "cameras[0].exposure", "exposure must be -10..10 stops, got -10.5"),
    (CameraSpec(name="c", noise=-0.1), "cameras[0].noise", "noise must be between 0 and 1"),
    (CameraSpec(name="c", vignetting=1.2), "cameras[0].vignetting", "vignetting must be between 0 and 1"),
    (CameraSpec(name="c", shutter=1.5, rate=0.5), "cameras[0].shutter", "shutter must be 0..1 s, got 1.5 s"),
    (CameraSpec(name="c", shutter=0.2, rate=10.0), "cameras[0].shutter", "longer than the time between frames"),
]


@pytest.mark.parametrize("camera, field, message", API_ERRORS, ids=[e[1] + ":" + e[2][:20] for e in API_ERRORS])
def test_validate_refuses_bad_cameras_with_a_field_path(camera, field, message):
    with pytest.raises(ScenarioValidationError) as info:
        validate(_spec((camera,)))
    assert info.value.field == field and message in info.value.message, (info.value.field, info.value.message)


def test_validate_skips_unresolved_values_and_sample_checks_them():
    noisy = CameraSpec(name="c", noise=Uniform(Const(0.5, DIMENSIONLESS), Const(2.0, DIMENSIONLESS), DIMENSIONLESS))
    spec = validate(_spec((noisy,), max_attempts=50))
    drawn = sample(spec, 1).cameras[0]
    assert 0.5 <= drawn.noise <= 1.0


def test_validate_checks_api_meshes(tmp_path):
    good = tmp_path / "car.glb"
    good.write_bytes(b"glTF")
    (tmp_path / "car.fbx").write_bytes(b"x")

    def actor(mesh):
        return (ActorSpec(name="ego", kind="car", road="main", lane=1, s=10.0, mesh=mesh),)

    assert validate(_spec(actors=actor(str(good)))).actors[0].mesh == str(good)
    cases = [("car.glb", "must be an absolute path"), (str(tmp_path / "car.fbx"), "a mesh is a .glb"),
             (str(tmp_path / "gone.obj"), "no such file"), (str(tmp_path), "a mesh is a .glb"),
             (3, "mesh must be a file path"), ("", "mesh must be a file path")]
    (tmp_path / "dir.glb").mkdir()
    cases.append((str(tmp_path / "dir.glb"), "is not a regular file"))
    for mesh, message in cases:
        with pytest.raises(ScenarioValidationError) as info:
            validate(_spec(actors=actor(mesh)))
        assert info.value.field == "actors[0].mesh" and message in info.value.message, (mesh, info.value.message)


# ---- round trip through the writer --------------------------------------------------------------

def _round_trip_spec(folder: Path) -> ScenarioSpec:
    return ScenarioSpec(
        name="rig", seed=3, duration=5.0, timestep=0.01, source=str(folder / "orig.scn"),
        roads=(HighwaySpec(name="main", length=800.0),),
        actors=(ActorSpec(name="ego", kind="car", road="main", lane=2, s=100.0, speed=20.0,
                          mesh=str((folder / "models" / "car.glb").resolve())),
                ActorSpec(name="lead", kind="truck", road="main", lane=2, s=140.0, speed=18.0,
                          mesh=str((folder / "bus.obj").resolve()))),
        cameras=(CameraSpec(name="gantry", mount=None, position=(150.0, -8.0, 6.0), yaw=2.6179938779914944,
                            pitch=-0.2617993877991494, fov=1.2, width=640, height=480, rate=20.0,
                            distortion=(-0.28, 0.07, 0.001, -0.002, -0.01), exposure=1.5, noise=0.02,
                            shutter=0.01, vignetting=0.3),
                 CameraSpec(name="top", mount=None, position=(200.0, 5.0, 60.0), view="birdseye", fov=1.0,
                            exposure=-0.5),
                 CameraSpec(name="chase", mount="ego", position=(0.0, 0.0, 25.0), view="birdseye",
                            noise=1.0, vignetting=1e-12),
                 CameraSpec(name="front", mount="ego", distortion=(0.0, 0.0, 0.0, 0.0, 3.5), shutter=0.05)))


def _same(a: ScenarioSpec, b: ScenarioSpec) -> bool:
    return dataclasses.replace(a, source="x") == dataclasses.replace(b, source="x")


def test_fixed_cameras_effects_and_meshes_round_trip(project):
    spec = validate(_round_trip_spec(project))
    text = to_text(spec)
    assert "    camera gantry at (150.0 m, -8.0 m, 6.0 m):\n" in text
    assert "    camera chase on ego:\n        position: (0.0 m, 0.0 m, 25.0 m)\n        view: birdseye\n" in text
    assert 'mesh: "models/car.glb"' in text and 'mesh: "bus.obj"' in text
    assert "distortion: (-0.28, 0.07, 0.001, -0.002, -0.01)" in text and "shutter: 0.01 s" in text
    top = text.split("camera top")[1].split("\n\n")[0]
    assert "yaw" not in top and "pitch" not in top and "position" not in top and "noise" not in top
    back = loads_file(text, str(project / "written.scn")).scenarios["rig"]
    assert _same(back, spec)
    assert _same(sample(back, spec.seed), spec)
    assert to_text(back, project) == text.replace(f"from {project / 'orig.scn'}", f"from {project / 'written.scn'}")


def test_default_effects_are_not_written(project):
    text = to_text(_spec((CameraSpec(name="c", mount="ego"),)))
    for name in ("view", "distortion", "exposure", "noise", "shutter", "vignetting", "mesh"):
        assert f"{name}:" not in text


def test_the_writer_refuses_what_would_read_back_differently(project, tmp_path):
    spec = _round_trip_spec(project)
    with pytest.raises(ValueError, match="not inside"):
        to_text(spec, tmp_path / "elsewhere")
    birdseye_yaw = dataclasses.replace(spec, cameras=(CameraSpec(name="c", view="birdseye", position=(0, 0, 9.0),
                                                                 yaw=0.5),))
    with pytest.raises(ValueError, match="birdseye"):
        to_text(birdseye_yaw)
    odd = project / 'odd"name.glb'
    odd.write_bytes(b"glTF")
    with pytest.raises(ValueError, match="cannot write mesh path"):
        to_text(dataclasses.replace(spec, actors=(dataclasses.replace(spec.actors[0], mesh=str(odd)),)))


def test_meshes_are_written_relative_to_the_source_folder_by_default(project):
    text = to_text(_round_trip_spec(project))       # source is project/orig.scn
    assert 'mesh: "models/car.glb"' in text


# ---- the command line ---------------------------------------------------------------------------

def test_check_accepts_a_file_with_fixed_cameras(tmp_path):
    path = tmp_path / "fixed.scn"
    path.write_text(scenario("camera gantry at (150 m, -8 m, 6 m):\n    yaw: 150 deg\n    pitch: -15 deg\n"
                             "camera top at (200 m, 5 m, 60 m):\n    view: birdseye\n    noise: 2 %\n"
                             "    shutter: 10 ms"))
    res = subprocess.run([sys.executable, "-m", "scenariosim", "check", str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "2 camera(s)" in res.stdout


def test_check_reports_a_bad_camera_with_a_caret(tmp_path):
    path = tmp_path / "bad.scn"
    path.write_text(scenario("camera top at (200 m, 5 m, 60 m):\n    view: birdeye"))
    line = path.read_text().splitlines().index("        view: birdeye") + 1
    res = subprocess.run([sys.executable, "-m", "scenariosim", "check", str(path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    lines = res.stderr.rstrip().splitlines()
    assert lines[0] == f"error: {path}:{line}:15: unknown camera view 'birdeye' (did you mean 'birdseye'?)"
    assert lines[2] == "    " + " " * 14 + "^"
