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
_PATTERNS = {"NAME": "a name", "NUMBER": "a number", "UNIT": "a unit", "SIZE": "an image size like 960x540"}
#: tokens placed at a line break whose error position is the start of the next line
_AT_NEXT_LINE = {"_INDENT", "_DEDENT", "$END"}


class _IndentError(DedentError):
    """A line dedents to a column no enclosing block uses."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__("unindent does not match any outer indentation level")
        self.line = line
        self.column = column


class _Indenter(Indenter):
    """Python-style blocks: _INDENT/_DEDENT from leading whitespace; line breaks inside (…) are ignored."""

    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR"]
    CLOSE_PAREN_types = ["RPAR"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token: Token):
        try:
            yield from super().handle_NL(token)
        except DedentError:
            raise _IndentError(token.end_line, token.end_column) from None


@functools.cache
def _lark() -> Lark:
    """The parser, built once per process (not thread-safe: the indenter keeps state per parse)."""
    return Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                postlex=_Indenter(), maybe_placeholders=False)


def parse(text: str, filename: str = "<string>") -> Tree:
    """Parse scenario text into a syntax tree whose tokens carry 1-based line and column."""
    try:
        return _lark().parse(text if text.endswith("\n") else text + "\n")
    except _IndentError as err:
        raise ScenarioSyntaxError(str(err), location=SourceLocation(filename, err.line, err.column)) from None
    except UnexpectedInput as err:
        raise ScenarioSyntaxError(_message(err), location=_location(err, filename)) from None


def _location(err: UnexpectedInput, filename: str) -> SourceLocation:
    token = getattr(err, "token", None)
    if token is not None and token.type in _AT_NEXT_LINE and token.end_line is not None:
        return SourceLocation(filename, token.end_line, token.end_column)
    return SourceLocation(filename, err.line, err.column)


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
    if isinstance(previous, Tree):
        tokens = list(previous.scan_values(lambda v: isinstance(v, Token)))
        previous = tokens[-1] if tokens else None
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
