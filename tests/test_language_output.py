"""The output statement's label filter: min_pixels and min_visibility, parsed, checked, written back."""
from __future__ import annotations

import pytest

from scenariosim.dsl import loads
from scenariosim.dsl.writer import to_text
from scenariosim.errors import ScenarioSimError
from scenariosim.spec import sample

BASE = """\
scenario o:
    seed: 1
    duration: 1 s
    timestep: 0.05 s
    road main = highway(length: 300 m, lanes: 2)
    param vis = uniform(5 %, 20 %)
    actor ego: car
        at: lane(main, 1), s 50 m
    output:
        formats: coco, kitti
{fields}"""


def text(*fields: str) -> str:
    return BASE.format(fields="".join(f"        {f}\n" for f in fields))


def test_the_filter_fields_parse_in_si_and_default_to_16_px_and_10_percent():
    spec = sample(loads(text("min_pixels: 40", "min_visibility: vis")))
    assert spec.output.min_pixels == 40 and 0.05 <= spec.output.min_visibility <= 0.2
    default = sample(loads(text()))
    assert (default.output.min_pixels, default.output.min_visibility) == (16, 0.1)
    assert sample(loads(text("min_visibility: 25 %"))).output.min_visibility == pytest.approx(0.25)


@pytest.mark.parametrize("field, message, column", [
    ("min_visibility: 2 m", "a fraction like 0.3 or 30 %", 25),
    ("min_visibility: 150 %", "between 0 and 1", 25),
    ("min_pixels: 0", "1..100000", 21),
    ("min_pixels: 2.5", "a whole number written out", 21),
    ("min_pixel: 3", "did you mean 'min_pixels'", 9),
])
def test_bad_filter_values_are_located_errors(field, message, column):
    with pytest.raises(ScenarioSimError) as err:
        sample(loads(text(field)))
    assert message in str(err.value) and err.value.errors[0].location.line == 11
    assert err.value.errors[0].location.column == column


def test_the_filter_writes_back_to_the_same_spec():
    spec = sample(loads(text("min_pixels: 40", "min_visibility: 12 %")))
    assert sample(loads(to_text(spec))) == spec
    plain = sample(loads(text()))
    assert "min_pixels" not in to_text(plain) and sample(loads(to_text(plain))) == plain
