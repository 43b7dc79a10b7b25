"""One exception tree for every user-facing error.

Each error carries where it happened: a source location (file:line:col) for
scenario text, or a field path for values given through the Python API.
``str(error)`` is one line; ``format_error`` adds the source line and a caret under the column.
The CLI prints every error of a run that way and exits with code 1.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A position in a scenario file; line and column are 1-based. ``text`` is the line, for carets."""

    file: str
    line: int
    column: int
    text: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class ScenarioSimError(Exception):
    """Base of every error scenariosim reports to a user."""

    def __init__(self, message: str, *, location: SourceLocation | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.field = field

    def __str__(self) -> str:
        where = str(self.location) if self.location else self.field
        return f"{where}: {self.message}" if where else self.message

    @property
    def errors(self) -> list[ScenarioSimError]:
        """Every error this one stands for (itself, unless it gathers several)."""
        return [self]


class ScenarioSyntaxError(ScenarioSimError):
    """The text is not valid scenario syntax."""


class ScenarioValidationError(ScenarioSimError):
    """The text parses but means something invalid (unknown name, wrong unit, bad value)."""


class UnitError(ScenarioValidationError):
    """A value has a missing, unknown or mismatched physical unit."""


class ScenarioErrors(ScenarioValidationError):
    """Several errors found in one run; ``str`` is the first, ``errors`` holds them all in file order."""

    def __init__(self, errors: list[ScenarioSimError]) -> None:
        first = errors[0]
        super().__init__(first.message, location=first.location, field=first.field)
        self._errors = list(errors)

    def __str__(self) -> str:
        more = len(self._errors) - 1
        return super().__str__() + (f" (and {more} more error{'s' * (more > 1)})" if more else "")

    @property
    def errors(self) -> list[ScenarioSimError]:
        return list(self._errors)


def raise_all(errors: list[ScenarioSimError]) -> None:
    """Raise nothing for no errors, the error itself for one, ScenarioErrors for several."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ScenarioErrors(errors)


class RenderError(ScenarioSimError):
    """The renderer could not create a context or draw a frame."""


class DatasetError(ScenarioSimError):
    """A dataset folder cannot be written or read."""


def unknown(what: str, name: str, known: Iterable[str]) -> str:
    """"unknown field 'durtion' (did you mean 'duration'?)", or the known names when none is close."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known) or 'none'}"
    return f"unknown {what} '{name}' ({hint})"


def format_error(error: ScenarioSimError) -> str:
    """Every error in ``error``, each as 'error: file:line:col: message', then the line and a caret."""
    blocks = []
    for err in error.errors:
        text = f"error: {ScenarioSimError.__str__(err)}"
        loc = err.location
        if loc is not None and loc.text:
            line = loc.text.expandtabs(1).rstrip("\r\n")
            text += f"\n    {line}\n    {' ' * max(0, loc.column - 1)}^"
        blocks.append(text)
    return "\n".join(blocks)
