"""Scenario text → Lark syntax tree; every syntax error becomes a one-line, located ScenarioSyntaxError."""
from __future__ import annotations

import functools
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError, Indenter
from lark.lexer import PatternStr

from scenariosim.errors import ScenarioSyntaxError, SourceLocation

_GRAMMAR = Path(__file__).with_name("grammar.lark")

#: layout tokens (no text of their own) as a message names them
_LAYOUT = {"_NL": "end of line", "_INDENT": "an indented block", "_DEDENT": "end of block", "$END": "end of file"}
#: pattern terminals as a message names them; string terminals (':', 'actor' …) are quoted instead
_PATTERNS = {"NAME": "a name", "NUMBER": "a number", "UNIT": "a unit", "SIZE": "an image size like 960x540",
             "CLOCK": "a time of day like 18:30", "STRING": "a quoted path", "COMPARE": "a comparison like >="}
#: tokens placed at a line break whose error position is the start of the next line
_AT_NEXT_LINE = {"_INDENT", "_DEDENT", "$END"}


#: deepest nesting of (…) and […] accepted (a cap, so no input can exhaust the stack)
MAX_BRACKETS = 64


class _IndentError(DedentError):
    """A line dedents to a column no enclosing block uses, or brackets nest too deep."""

    def __init__(self, line: int, column: int,
                 message: str = "unindent does not match any outer indentation level") -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class _Indenter(Indenter):
    """Python-style blocks: _INDENT/_DEDENT from leading whitespace; line breaks inside (…) and […] are ignored."""

    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LSQB"]
    CLOSE_PAREN_types = ["RPAR", "RSQB"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token: Token):
        try:
            yield from super().handle_NL(token)
        except DedentError:
            raise _IndentError(token.end_line, token.end_column) from None

    def process(self, stream):
        for token in super().process(stream):
            if self.paren_level > MAX_BRACKETS:
                raise _IndentError(token.line, token.column, f"brackets nest deeper than {MAX_BRACKETS} levels")
            yield token


@functools.cache
def _lark() -> Lark:
    """The parser, built once per process (not thread-safe: the indenter keeps state per parse)."""
    return Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                postlex=_Indenter(), maybe_placeholders=False)


def parse(text: str, filename: str = "<string>") -> Tree:
    """Parse scenario text into a syntax tree whose tokens carry 1-based line and column."""
    lines = text.splitlines()
    try:
        return _lark().parse(text if text.endswith("\n") else text + "\n")
    except _IndentError as err:
        raise ScenarioSyntaxError(str(err), location=_at(filename, lines, err.line, err.column)) from None
    except UnexpectedInput as err:
        raise ScenarioSyntaxError(_message(err), location=_location(err, filename, lines)) from None


def _at(filename: str, lines: list[str], line: int, column: int) -> SourceLocation:
    line, column = max(1, line or 1), max(1, column or 1)
    return SourceLocation(filename, line, column, lines[line - 1] if line <= len(lines) else "")


def _location(err: UnexpectedInput, filename: str, lines: list[str]) -> SourceLocation:
    token = getattr(err, "token", None)
    if token is not None and token.type in _AT_NEXT_LINE and token.end_line is not None:
        return _at(filename, lines, token.end_line, token.end_column)
    return _at(filename, lines, err.line, err.column)


def _message(err: UnexpectedInput) -> str:
    """One line: what was expected, after which token, and what came instead."""
    if isinstance(err, UnexpectedCharacters):
        history = err.token_history or [None]
        return f"unexpected character {err.char!r}{_after(history[-1])}"
    if not isinstance(err, UnexpectedToken):
        return "unexpected end of file"
    if err.token.type == "_INDENT":
        return "unexpected indentation"
    got, after = _describe(err.token), _after(err.state.value_stack[-1] if err.state.value_stack else None)
    expected = sorted({_terminal(name) for name in _expected(err)})
    if len(expected) > 3:
        return f"unexpected {got}{after}"
    return f"expected {_join(expected)}{after}, got {got}"


def _expected(err: UnexpectedToken) -> set[str]:
    """Terminals the parser could take next (the contextual lexer's own set also holds _NL everywhere)."""
    return {name for name in err.state.parse_conf.states[err.state.position] if name.isupper()}


def _after(previous: Token | Tree | None) -> str:
    while isinstance(previous, Tree):      # its last token, iteratively (trees may be deep)
        previous = previous.children[-1] if previous.children else None
    if previous is None or previous.type in _LAYOUT:
        return ""
    return f" after '{previous}'"


def _describe(token: Token) -> str:
    """How a message names the token it got: its text, or 'end of line' for line structure."""
    return _LAYOUT.get(token.type, f"'{token}'")


def _terminal(name: str) -> str:
    """How a message names a terminal the parser expected."""
    if name in _LAYOUT:
        return _LAYOUT[name]
    if name in _PATTERNS:
        return _PATTERNS[name]
    pattern = _lark().get_terminal(name).pattern
    return f"'{pattern.value}'" if isinstance(pattern, PatternStr) else name.lower()


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
