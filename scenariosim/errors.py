"""One exception tree for every user-facing error.

Each error carries where it happened: a source location (file:line:col) for
scenario text, or a field path for values given through the Python API.
The CLI prints ``str(error)`` on one line and exits with code 1.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A position in a scenario file; line and column are 1-based."""

    file: str
    line: int
    column: int

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


class ScenarioSyntaxError(ScenarioSimError):
    """The text is not valid scenario syntax."""


class ScenarioValidationError(ScenarioSimError):
    """The text parses but means something invalid (unknown name, wrong unit, bad value)."""


class UnitError(ScenarioValidationError):
    """A value has a missing, unknown or mismatched physical unit."""


class RenderError(ScenarioSimError):
    """The renderer could not create a context or draw a frame."""


class DatasetError(ScenarioSimError):
    """A dataset folder cannot be written or read."""
