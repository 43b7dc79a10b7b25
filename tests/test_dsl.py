"""The scenario language: the bundled example compiles to SI, and every error is one located line."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from scenariosim.dsl import load, loads
from scenariosim.errors import ScenarioSimError, ScenarioSyntaxError, ScenarioValidationError, UnitError
from scenariosim.spec import CameraSpec, EnvironmentSpec

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "highway_basic.scn"

BASE = """\
# a small scenario
scenario demo:
    seed: 3
    duration: 4 s
    timestep: 0.05 s
    road main = highway(length: 1 km, lanes: 3, lane_width: 3.5 m)

    environment:
        sun: elevation 35 deg, azimuth 200 deg
        fog: visual_range 400 m

    actor ego: car
        at: lane(main, 2), s 120 m
        speed: 100 km/h

    actor lead: truck
        at: lane(main, 2), s 175 m
        speed: 85 km/h

    camera front on ego:
        position: (1.6 m, 0 m, 1.4 m)
        pitch: -2 deg
        size: 960x540
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.scn"
    path.write_text(text)
    return path


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of text[index]."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _expect_error(tmp_path, text, error, index, message):
    """Loading ``text`` raises exactly ``error`` at text[index], as one line 'file:line:col: message'."""
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioSimError) as info:
        load(path)
    line, col = _line_col(text, index)
    assert type(info.value) is error
    assert str(info.value) == f"{path}:{line}:{col}: {message}"
    assert "\n" not in str(info.value)


# ---- the bundled example ---------------------------------------------------------------------

def test_bundled_example_compiles_to_si_units():
    spec = load(EXAMPLE)
    assert (spec.name, spec.seed, spec.duration, spec.timestep, spec.source) == (
        "highway_basic", 7, 4.0, 0.05, str(EXAMPLE))
    (road,) = spec.roads
    assert (road.name, road.length, road.lanes, road.lane_width) == ("main", 1000.0, 3, 3.5)
    assert spec.environment.sun.elevation == pytest.approx(math.radians(35))
    assert spec.environment.sun.azimuth == pytest.approx(math.radians(200))
    assert spec.environment.fog_visual_range == 400.0
    ego = spec.actors[spec.actor_index("ego")]
    assert (ego.kind, ego.road, ego.lane, ego.s) == ("car", "main", 2, 120.0)
    assert ego.speed == pytest.approx(100 / 3.6)  # 27.777… m/s
    assert spec.actors[spec.actor_index("lead")].kind == "truck"
    (cam,) = spec.cameras
    assert (cam.mount, cam.position, cam.width, cam.height, cam.rate) == ("ego", (1.6, 0.0, 1.4), 960, 540, 10.0)
    assert cam.yaw == 0.0
    assert cam.pitch == pytest.approx(math.radians(-2))
    assert cam.fov == pytest.approx(math.pi / 2)


def test_bundled_example_vehicles_are_ahead_and_inside_the_ego_camera_view():
    spec = load(EXAMPLE)
    ego, cam, road = spec.actors[spec.actor_index("ego")], spec.cameras[0], spec.roads[0]
    others = [a for a in spec.actors if a.name != "ego"]
    assert len(others) >= 3
    for actor in others:
        ahead = actor.s - ego.s
        assert 20 <= ahead <= 120, actor.name
        lateral = abs(actor.lane - ego.lane) * road.lane_width
        bearing = math.atan2(lateral, ahead - cam.position[0])
        assert bearing < cam.fov / 2 - math.radians(10), actor.name
        assert ahead < spec.environment.fog_visual_range


# ---- language features ---------------------------------------------------------------------

def test_loads_names_the_source_and_defaults_to_string():
    assert loads(BASE).source == "<string>"
    assert loads(BASE, "inline.scn").source == "inline.scn"


def test_comments_blank_lines_crlf_and_missing_final_newline_are_fine():
    text = BASE.replace("    seed: 3\n", "    seed: 3   # trailing comment\n\n# at column 1\n      # deeper\n")
    text = text.replace("\n", "\r\n").rstrip()
    assert loads(text) == loads(BASE)


def test_optional_parts_take_the_spec_defaults():
    text = BASE.split("    environment:")[0] + "    actor ego: car\n        at: lane(main, 1), s 0 m\n" \
        "        speed: 0 m/s\n    camera c on ego:\n        rate: 5 Hz\n"
    spec = loads(text)
    assert spec.environment == EnvironmentSpec()
    cam = spec.cameras[0]
    assert cam == CameraSpec(name="c", mount="ego", rate=5.0)


def test_lines_inside_parentheses_may_wrap():
    text = BASE.replace("highway(length: 1 km, ", "highway(\n  length: 1 km,\n")
    assert loads(text).roads[0].length == 1000.0


# ---- errors: class, line:col, one-line message --------------------------------------------------

ERRORS = {
    "renamed field": ("    duration: 4 s", "    durtion: 4 s", "durtion", ScenarioValidationError,
                      "unknown field 'durtion' (did you mean 'duration'?)"),
    "missing unit": ("duration: 4 s", "duration: 4", "4", UnitError,
                     "duration needs a time unit (s, ms, min, h), got a plain number"),
    "wrong dimension": ("speed: 100 km/h", "speed: 10 m", "m", UnitError,
                        "speed needs a speed, got a length (m)"),
    "unknown unit": ("speed: 100 km/h", "speed: 100 kmh", "kmh", UnitError,
                     "unknown unit 'kmh' (did you mean 'km/h'?)"),
    "unknown actor kind": ("actor lead: truck", "actor lead: truk", "truk", ScenarioValidationError,
                           "unknown actor kind 'truk' (did you mean 'truck'?)"),
    "unknown road generator": ("= highway(", "= hiway(", "hiway", ScenarioValidationError,
                               "unknown road generator 'hiway' (did you mean 'highway'?)"),
    "unknown generator argument": ("lanes: 3", "lane: 3", "lane", ScenarioValidationError,
                                   "unknown highway argument 'lane' (did you mean 'lanes'?)"),
    "missing generator argument": ("highway(length: 1 km, ", "highway(", "highway", ScenarioValidationError,
                                   "highway() is missing required argument: length"),
    "generator argument below minimum": ("lanes: 3", "lanes: 0", "0", ScenarioValidationError,
                                         "lanes must be at least 1, got 0"),
    "lane outside the road": ("lane(main, 2), s 175 m", "lane(main, 5), s 175 m", "5", ScenarioValidationError,
                              "lane 5 is outside road 'main' (lanes 1..3)"),
    "s outside the road": ("lane(main, 2), s 175 m", "lane(main, 2), s 2 km", "2 km", ScenarioValidationError,
                           "s = 2000 m is outside road 'main' (0..1000 m)"),
    "duplicate actor": ("actor lead: truck", "actor ego: truck", "ego", ScenarioValidationError,
                        "actor 'ego' is defined twice"),
    "camera on unknown actor": ("camera front on ego:", "camera front on eggo:", "eggo", ScenarioValidationError,
                                "camera 'front' is mounted on an unknown actor 'eggo' (did you mean 'ego'?)"),
    "negative duration": ("duration: 4 s", "duration: -4 s", "-", ScenarioValidationError,
                          "duration must be in (0, 86400] s, got -4.0 s"),
    "unknown sun keyword": ("elevation 35", "elevaton 35", "elevaton", ScenarioValidationError,
                            "unknown sun keyword 'elevaton' (did you mean 'elevation'?)"),
    "bad image size": ("size: 960x540", "size: 960", "960", ScenarioValidationError,
                       "size needs WIDTHxHEIGHT in pixels like 960x540, got a plain number"),
    "over-indented line": ("        speed: 85 km/h", "          speed: 85 km/h", "speed", ScenarioSyntaxError,
                           "unexpected indentation"),
    "dedent to no block": ("    actor lead: truck", "  actor lead: truck", "actor", ScenarioSyntaxError,
                           "unindent does not match any outer indentation level"),
    "missing colon": ("duration: 4 s", "duration 4 s", "4", ScenarioSyntaxError,
                      "expected ':' after 'duration', got '4'"),
    "second scenario incomplete": ("        size: 960x540\n", "        size: 960x540\nscenario other:\n    seed: 1\n",
                                   "other", ScenarioValidationError,
                                   "scenario 'other' is missing required fields: duration, timestep"),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_typed_located_one_line(tmp_path, case):
    old, new, token, error, message = case
    assert BASE.count(old) == 1
    _expect_error(tmp_path, BASE.replace(old, new), error, BASE.index(old) + new.index(token), message)


def test_missing_required_fields_are_named_at_their_block(tmp_path):
    text = BASE.replace("    seed: 3\n", "")
    _expect_error(tmp_path, text, ScenarioValidationError, text.index("demo"),
                  "scenario 'demo' is missing required field: seed")
    text = BASE.replace("        at: lane(main, 2), s 175 m\n", "")
    _expect_error(tmp_path, text, ScenarioValidationError, text.index("lead"),
                  "actor 'lead' is missing required field: at")


def test_duplicate_field_points_at_the_second(tmp_path):
    text = BASE.replace("speed: 85 km/h\n", "speed: 85 km/h\n        speed: 80 km/h\n")
    _expect_error(tmp_path, text, ScenarioValidationError, text.index("speed: 80"),
                  "field 'speed' is set twice (first on line 18)")


@pytest.mark.parametrize("code", ["__import__('os').system('touch {marker}')", 'eval("1")', "os.system(1)"])
def test_python_code_in_a_value_is_a_syntax_error_and_never_runs(tmp_path, code):
    marker = tmp_path / "executed"
    text = BASE.replace("speed: 85 km/h", "speed: " + code.format(marker=marker))
    with pytest.raises(ScenarioSyntaxError) as info:
        load(_write(tmp_path, text))
    assert info.value.location.line == 18
    assert not marker.exists()


@pytest.mark.parametrize("first_line,message", [
    ("sweep demo:", r"^<string>:1:11: expected 'of' after 'demo', got ':'"),
    ("import other.scn", r"^<string>:1:8: expected a quoted path after 'import', got 'other'"),
])
def test_sweep_and_import_lines_need_their_whole_syntax(first_line, message):
    with pytest.raises(ScenarioSyntaxError, match=message):
        loads(first_line + "\n" + BASE)


def test_unreadable_file_names_its_path(tmp_path):
    missing = tmp_path / "nope.scn"
    with pytest.raises(ScenarioSimError, match="nope.scn") as info:
        load(missing)
    assert type(info.value) is ScenarioSimError
    assert "\n" not in str(info.value)


# ---- the language reference -------------------------------------------------------------------
