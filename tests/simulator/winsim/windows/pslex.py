# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Just enough PowerShell lexing: string literals, comments and statement boundaries.

The simulator does not run PowerShell. It reads a script the way a person
would: it finds the quoted strings (to pick out WQL queries), skips comments,
and cuts the script into top-level statements (to answer one-liners such as
``hostname``). Single-quoted strings are literal (``''`` is a quote);
double-quoted strings honour backtick escapes and expand ``$name`` /
``${name}`` from simple ``$name = '...'`` assignments found in the script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ASSIGNMENT = re.compile(r"^\s*\$(\w+)\s*=\s*'((?:[^']|'')*)'\s*;?\s*$", re.MULTILINE)
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)(?!\s*\()")
_BACKTICK = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b"}


@dataclass(frozen=True)
class StringLiteral:
    """A quoted string in the script: its value, quote character and 1-based line/column."""

    value: str
    quote: str
    line: int
    column: int


@dataclass(frozen=True)
class Statement:
    """A top-level statement: its text and where it starts (1-based line and column)."""

    text: str
    line: int
    column: int


def simple_assignments(script: str) -> dict[str, str]:
    """``$name = '<literal>'`` assignments (lower-cased names), later ones win."""
    return {name.lower(): value.replace("''", "'") for name, value in _ASSIGNMENT.findall(script)}


def _expand(text: str, variables: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: variables.get((m.group(1) or m.group(2)).lower(), m.group(0)), text)


class _Scanner:
    def __init__(self, script: str) -> None:
        self.script = script
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def advance(self, count: int = 1) -> None:
        for dummy in range(count):
            if self.pos < len(self.script) and self.script[self.pos] == "\n":
                self.line += 1
                self.line_start = self.pos + 1
            self.pos += 1

    def at_token_start(self) -> bool:
        return self.pos == 0 or self.script[self.pos - 1] in " \t\r\n;({}|"

    def skip_comment(self) -> bool:
        """Skip a comment at the current position; True when one was skipped."""
        if self.script.startswith("<#", self.pos):
            end = self.script.find("#>", self.pos + 2)
            self.advance((len(self.script) if end == -1 else end + 2) - self.pos)
            return True
        if self.script[self.pos] == "#" and self.at_token_start():
            end = self.script.find("\n", self.pos)
            self.advance((len(self.script) if end == -1 else end) - self.pos)
            return True
        return False

    def read_string(self) -> tuple[str, str]:
        """Read the string starting at the current quote; return (raw value, quote)."""
        quote = self.script[self.pos]
        self.advance()
        value: list[str] = []
        while self.pos < len(self.script):
            char = self.script[self.pos]
            if char == quote:
                if self.script[self.pos + 1:self.pos + 2] == quote:
                    value.append(quote)
                    self.advance(2)
                    continue
                self.advance()
                return "".join(value), quote
            if quote == '"' and char == "`" and self.pos + 1 < len(self.script):
                following = self.script[self.pos + 1]
                value.append(_BACKTICK.get(following, following))
                self.advance(2)
                continue
            value.append(char)
            self.advance()
        return "".join(value), quote


def string_literals(script: str) -> list[StringLiteral]:
    """All quoted strings outside comments, in order; double-quoted ones with simple variables expanded."""
    variables = simple_assignments(script)
    scanner = _Scanner(script)
    found: list[StringLiteral] = []
    while scanner.pos < len(script):
        if scanner.skip_comment():
            continue
        if script[scanner.pos] in "'\"":
            line, column = scanner.line, scanner.pos - scanner.line_start + 1
            raw, quote = scanner.read_string()
            found.append(StringLiteral(_expand(raw, variables) if quote == '"' else raw, quote, line, column))
            continue
        scanner.advance()
    return found


def statements(script: str) -> list[Statement]:
    """Top-level statements: split at newlines and ``;`` outside strings, braces and parentheses."""
    scanner = _Scanner(script)
    result: list[Statement] = []
    depth = 0
    start: tuple[int, int, int] | None = None

    def flush(end: int) -> None:
        nonlocal start
        if start is not None:
            text = script[start[0]:end].strip()
            if text:
                result.append(Statement(text, start[1], start[2]))
        start = None

    while scanner.pos < len(script):
        char = script[scanner.pos]
        if start is None and not char.isspace() and char != ";":
            if scanner.skip_comment():
                continue
            start = (scanner.pos, scanner.line, scanner.pos - scanner.line_start + 1)
        if start is not None and char == "#" and depth == 0 and scanner.at_token_start():
            flush(scanner.pos)
            scanner.skip_comment()
            continue
        if char in "'\"":
            scanner.read_string()
            continue
        if char in "({":
            depth += 1
        elif char in ")}":
            depth = max(depth - 1, 0)
        elif depth == 0 and char in ";\n":
            flush(scanner.pos)
        scanner.advance()
    flush(len(script))
    return result
