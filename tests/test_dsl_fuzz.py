"""Fuzzing the scenario loader: any text either loads or fails with a located ScenarioSimError.

Random text (biased to the language, and fully random unicode) and randomly edited copies of every
bundled scenario go through ``loads`` and, when that succeeds, ``sample`` for two seeds. Any other
exception type, an error without a sane file:line:col, a multi-line message or a hang fails.
"""
from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenariosim.dsl import loads
from scenariosim.errors import ScenarioSimError
from scenariosim.spec import sample

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.scn"))
#: (file name, text) of every bundled scenario; the name is the real path, so their imports resolve
SOURCES = [(str(p), p.read_text(encoding="utf-8")) for p in SCENARIOS]
BASIC = next(text for name, text in SOURCES if name.endswith("highway_basic.scn"))

KEYWORDS = ["scenario", "actor", "road", "camera", "param", "environment", "require", "import", "sweep",
            "behavior", "until", "with", "of", "on", "and", "or", "not"]
NAMES = ["seed", "duration", "timestep", "highway", "length", "lanes", "lane_width", "lane", "main", "ego",
         "car", "truck", "at", "s", "speed", "sun", "elevation", "azimuth", "fog", "visual_range",
         "position", "yaw", "pitch", "fov", "size", "rate", "uniform", "normal", "choice", "min", "max", "x"]
UNITS = ["m", "mm", "cm", "km", "s", "ms", "min", "h", "m/s", "km/h", "mph", "m/s2", "g", "rad", "deg", "Hz", "%"]
NUMBERS = ["0", "1", "2", "3", "0.05", "100", "1e3", ".5", "960x540", "18:30"]
CHARS = list("abcxyzAZ_019 \t\n:(),.=+-*/#\"[]<>!") + ["    ", "\n    ", "\n        "]
WORDS = KEYWORDS + NAMES + UNITS + NUMBERS
#: values a number is replaced by: overflow, underflow, signed zero, leading zeros, over-long digits…
ODD_NUMBERS = ["1e400", "-1e400", "1e-400", "4.9e-324", "1e308", "-0", "00", "0", "0.0", "-1", "18446744073709551617",
               "9" * 5000, "nan", "inf", "-", "1e", ".", "٣"]
INDENTS = ["", " ", "  ", "    ", "        ", "            ", "\t", "\t    ", "  \t"]
#: a token: a number, a word, a run of whitespace, or any other single character ("".join gives the text back)
TOKEN = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\w+|\s+|.")
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
#: the longest one load + two samples may take before it counts as a hang [s]
HANG_S = 10

FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Hang(BaseException):
    """Raised by a timer into a load that runs too long (a BaseException, so no loader can swallow it)."""


@contextmanager
def no_hang(seconds: float = HANG_S):
    if not hasattr(signal, "setitimer"):
        yield
        return

    def fire(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module", autouse=True)
def _warm_parser():
    """Build the grammar once, so the first example's deadline does not pay for it."""
    try:
        loads(BASIC, "warm.scn")
    except ScenarioSimError:
        pass


def assert_located(err: ScenarioSimError, text: str, filename: str, *, required: bool) -> None:
    """The error is one line; its location (required for text errors) lies inside the text."""
    assert "\n" not in str(err), f"multi-line message: {str(err)!r}"
    loc = err.location
    if loc is None:
        assert not required, f"error without a location: {err!r}"
        return
    if loc.file != filename:  # an error inside a file the text imports
        assert Path(loc.file).is_file(), f"{err!r} names {loc.file!r}, not {filename!r}"
        text = Path(loc.file).read_text(encoding="utf-8-sig")
    assert 1 <= loc.line <= text.count("\n") + 2, f"line {loc.line} outside the text: {err}"
    assert loc.column >= 1, f"column {loc.column}: {err}"


def check(text: str, filename: str = "fuzz.scn", seeds=(None, 12345)):
    """Load ``text`` and sample what loads; only located ScenarioSimErrors may come out."""
    with no_hang():
        try:
            spec = loads(text, filename)
        except ScenarioSimError as err:
            assert_located(err, text, filename, required=True)
            return None
        for seed in seeds:
            try:
                sample(spec, seed)
            except ScenarioSimError as err:
                assert_located(err, text, filename, required=False)
    return spec


# ---- random text ---------------------------------------------------------------------------------

language_text = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(CHARS)), max_size=80).map("".join)
language_lines = st.lists(
    st.tuples(st.sampled_from(INDENTS), st.lists(st.sampled_from(WORDS + [":", "(", ")", ",", "=", "+", "-", "*"]),
                                                 max_size=8)),
    max_size=12,
).map(lambda lines: "".join(indent + " ".join(words) + "\n" for indent, words in lines))


@FUZZ
@given(text=st.one_of(language_text, language_lines, language_lines.map("scenario s:\n    seed: 1\n".__add__)))
def test_language_like_text_loads_or_fails_located(text):
    check(text)


@FUZZ
@given(text=st.text(max_size=300))
def test_random_unicode_loads_or_fails_located(text):
    check(text)


# ---- mutated bundled scenarios -------------------------------------------------------------------

def _index(draw, n: int) -> int:
    return draw(st.integers(0, max(n - 1, 0)))


def edit_char(draw, text: str) -> str:
    """Delete, insert or replace one character."""
    i, new = _index(draw, len(text)), draw(st.sampled_from(["", *CHARS]))
    return text[:i] + new + text[i + (not draw(st.booleans())):]


def edit_token(draw, text: str) -> str:
    """Delete, insert or replace one token, with a language word or another token of the same text."""
    tokens = TOKEN.findall(text) or [""]
    i, new = _index(draw, len(tokens)), draw(st.sampled_from(["", *WORDS, *tokens]))
    tokens[i:i + (not draw(st.booleans()))] = [new]
    return "".join(tokens)


def edit_line(draw, text: str) -> str:
    """Duplicate, delete or swap lines, or change one line's indentation."""
    lines = text.split("\n")
    i, j = _index(draw, len(lines)), _index(draw, len(lines))
    op = draw(st.sampled_from(["duplicate", "delete", "swap", "indent"]))
    if op == "duplicate":
        lines.insert(j, lines[i])
    elif op == "delete":
        del lines[i]
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = draw(st.sampled_from(INDENTS)) + lines[i].lstrip(" \t")
    return "\n".join(lines)


def edit_number(draw, text: str) -> str:
    """Replace one number by a huge, tiny, negative, zero or malformed one."""
    spans = [m.span() for m in NUMBER.finditer(text)]
    if not spans:
        return text
    a, b = draw(st.sampled_from(spans))
    return text[:a] + draw(st.sampled_from(ODD_NUMBERS)) + text[b:]


@st.composite
def mutated(draw):
    name, text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(st.sampled_from([edit_char, edit_token, edit_line, edit_number]))(draw, text)
    return name, text


def test_bundled_scenarios_load_and_sample():
    """The mutation corpus itself is valid, so the mutants reach the compiler and the sampler."""
    assert SOURCES
    for name, text in SOURCES:
        assert check(text, name) is not None, name


@settings(FUZZ, max_examples=300)
@given(case=mutated())
def test_mutated_scenarios_load_or_fail_located(case):
    name, text = case
    check(text, name)


def _replace_numbers(name: str, text: str, values_for, seeds) -> None:
    """Replace each number of ``text`` in turn by each of ``values_for(its index)``; report every failure."""
    failures = []
    for i, match in enumerate(NUMBER.finditer(text)):
        for odd in values_for(i):
            try:
                check(text[:match.start()] + odd + text[match.end():], name, seeds)
            except Exception as err:  # noqa: BLE001 - collect them all, then report
                line = text.count("\n", 0, match.start()) + 1
                failures.append(f"line {line}: {match.group()} -> {odd[:12]}: {type(err).__name__}: {err}"[:300])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("k", range(len(SOURCES)), ids=[Path(name).name for name, _ in SOURCES])
def test_each_number_replaced_by_odd_values(k):
    """Every number of every bundled scenario replaced by two of ODD_NUMBERS, taken in turn (all of them
    for every number would take minutes)."""
    name, text = SOURCES[k]
    n = len(ODD_NUMBERS)
    _replace_numbers(name, text, lambda i: [ODD_NUMBERS[(i + k) % n], ODD_NUMBERS[(i + k + n // 2) % n]],
                     seeds=(None,))


# ---- expressions too deep or too long ----------------------------------------------------------

SPEED = "        speed: 100 km/h"
DEEP = {
    "10000 nested parentheses": "(" * 10_000 + "100 km/h" + ")" * 10_000,
    "10000 chained terms": "100 km/h" + " + 1 km/h" * 10_000,
    "10000 unary minuses": "-" * 10_000 + "100 km/h",
    "10000 nested calls": "uniform(" * 10_000 + "1 km/h" + ", 2 km/h)" * 10_000,
    "10000 chained terms, then a syntax error": "100 km/h" + " + 1 km/h" * 10_000 + " )",
}


@pytest.mark.parametrize("expression", DEEP.values(), ids=DEEP.keys())
def test_too_deep_or_long_expression_is_a_located_error(expression):
    assert SPEED in BASIC
    line = BASIC[:BASIC.index(SPEED)].count("\n") + 1
    with no_hang(), pytest.raises(ScenarioSimError) as info:
        loads(BASIC.replace(SPEED, "        speed: " + expression, 1), "deep.scn")
    assert info.value.location is not None and info.value.location.line == line, str(info.value)


@pytest.mark.parametrize("expression", ["(" * 20 + "100 km/h" + ")" * 20, "100 km/h" + " + 0 km/h" * 30],
                         ids=["20 nested parentheses", "30 chained terms"])
def test_reasonably_deep_expression_still_loads(expression):
    """The cap leaves room for any expression a person would write."""
    spec = loads(BASIC.replace(SPEED, "        speed: " + expression, 1), "deep.scn")
    assert spec.actors[0].speed == pytest.approx(100 / 3.6)
