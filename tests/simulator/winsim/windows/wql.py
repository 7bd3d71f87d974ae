# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""A WQL subset: parse ``SELECT <props> FROM <Class> [WHERE <cond>]`` and evaluate it on rows.

Supported: ``*`` or a property list; ``=``, ``<>``, ``!=``, ``<``, ``>``,
``<=``, ``>=``, ``[NOT] LIKE``, ``IS [NOT] NULL``, ``AND``, ``OR``, ``NOT``,
parentheses, ``TRUE``/``FALSE``/``NULL``, quoted strings (single or double
quotes, backslash escapes) and numbers. Keywords, class and property names are
case-insensitive, and so are string comparisons, as in WMI. ``prop = NULL`` and
``prop <> NULL`` behave like ``IS NULL`` / ``IS NOT NULL`` (slmgr.vbs relies on
that). A comparison with a NULL property value is false.

Errors carry the HRESULT a Windows host reports:
:class:`WqlSyntaxError` / unknown property -> 0x80041017 "Invalid query",
unknown class -> 0x80041010 "Invalid class" (raised by the caller that knows
the classes, see :mod:`winsim.windows.cim`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Union

from winsim.windows.psjson import PsDateTime

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?))
      | (?P<op><>|!=|<=|>=|=|<|>)
      | (?P<punct>[(),*])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"select", "from", "where", "and", "or", "not", "is", "null", "true", "false", "like"}


class WqlSyntaxError(ValueError):
    """The query text is not valid WQL (Windows: 0x80041017 Invalid query)."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    value: object = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise WqlSyntaxError(f"unexpected character {text[pos:pos + 10]!r} at offset {pos}")
        pos = match.end()
        kind = match.lastgroup or ""
        raw = match.group(kind)
        if kind == "string":
            tokens.append(_Token("string", raw, re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif kind == "number":
            number: object = int(raw, 16) if raw.lower().lstrip("-").startswith("0x") else (float(raw) if "." in raw else int(raw))
            tokens.append(_Token("number", raw, number))
        elif kind == "ident" and raw.lower() in _KEYWORDS:
            tokens.append(_Token("keyword", raw.lower()))
        else:
            tokens.append(_Token(kind, raw))
    tokens.append(_Token("end", ""))
    return tokens


# ---- syntax tree -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Property:
    """A property reference, as written in the query."""

    name: str


@dataclass(frozen=True)
class Literal:
    """A constant: str, int, float, bool or None (NULL)."""

    value: object


Operand = Union[Property, Literal]


@dataclass(frozen=True)
class Compare:
    left: Operand
    op: str
    right: Operand


@dataclass(frozen=True)
class IsNull:
    prop: Property
    negated: bool


@dataclass(frozen=True)
class Like:
    prop: Property
    pattern: str
    negated: bool


@dataclass(frozen=True)
class Not:
    operand: "Condition"


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple["Condition", ...]


Condition = Union[Compare, IsNull, Like, Not, BoolOp]


@dataclass
class Query:
    """A parsed query. ``properties`` is None for ``SELECT *``."""

    text: str
    class_name: str
    properties: list[str] | None
    where: Condition | None = None
    referenced: list[str] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.referenced: list[str] = []

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept_keyword(self, word: str) -> bool:
        if self.peek().kind == "keyword" and self.peek().text == word:
            self.pos += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.accept_keyword(word):
            raise WqlSyntaxError(f"expected {word.upper()} at {self.peek().text or 'end of query'!r}")

    def expect_ident(self) -> str:
        token = self.take()
        if token.kind != "ident":
            raise WqlSyntaxError(f"expected a name, got {token.text or 'end of query'!r}")
        return token.text

    def query(self) -> Query:
        self.expect_keyword("select")
        properties: list[str] | None
        if self.peek().kind == "punct" and self.peek().text == "*":
            self.take()
            properties = None
        else:
            properties = [self.expect_ident()]
            while self.peek().kind == "punct" and self.peek().text == ",":
                self.take()
                properties.append(self.expect_ident())
        self.expect_keyword("from")
        class_name = self.expect_ident()
        where = None
        if self.accept_keyword("where"):
            where = self.disjunction()
        if self.peek().kind != "end":
            raise WqlSyntaxError(f"unexpected {self.peek().text!r} after the query")
        return Query(self.text, class_name, properties, where, self.referenced)

    def disjunction(self) -> Condition:
        operands = [self.conjunction()]
        while self.accept_keyword("or"):
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def conjunction(self) -> Condition:
        operands = [self.negation()]
        while self.accept_keyword("and"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def negation(self) -> Condition:
        if self.accept_keyword("not"):
            return Not(self.negation())
        if self.peek().kind == "punct" and self.peek().text == "(":
            self.take()
            inner = self.disjunction()
            token = self.take()
            if token.text != ")":
                raise WqlSyntaxError(f"expected ')' got {token.text or 'end of query'!r}")
            return inner
        return self.comparison()

    def operand(self) -> Operand:
        token = self.take()
        if token.kind == "ident":
            self.referenced.append(token.text)
            return Property(token.text)
        if token.kind in ("string", "number"):
            return Literal(token.value)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            return Literal({"true": True, "false": False, "null": None}[token.text])
        raise WqlSyntaxError(f"expected a property or a constant, got {token.text or 'end of query'!r}")

    def comparison(self) -> Condition:
        left = self.operand()
        if self.accept_keyword("is"):
            negated = self.accept_keyword("not")
            self.expect_keyword("null")
            if not isinstance(left, Property):
                raise WqlSyntaxError("IS NULL needs a property on its left")
            return IsNull(left, negated)
        negated = self.accept_keyword("not")
        if self.accept_keyword("like"):
            pattern = self.take()
            if not isinstance(left, Property) or pattern.kind != "string":
                raise WqlSyntaxError("LIKE needs a property and a quoted pattern")
            return Like(left, str(pattern.value), negated)
        if negated:
            raise WqlSyntaxError("NOT here must be followed by LIKE")
        token = self.take()
        if token.kind != "op":
            raise WqlSyntaxError(f"expected a comparison operator, got {token.text or 'end of query'!r}")
        right = self.operand()
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise WqlSyntaxError("a comparison needs a property on one side")
        return Compare(left, "<>" if token.text == "!=" else token.text, right)


def parse(text: str) -> Query:
    """Parse WQL text; raise :class:`WqlSyntaxError` when it is not valid."""
    return _Parser(text).query()


# ---- evaluation ------------------------------------------------------------------------------------------------

Row = dict[str, object]
Resolver = Callable[[str], str]


def _comparable(value: object, literal: object) -> tuple[object, object] | None:
    """Bring a property value and a constant to one comparable type, or None when WMI would not match."""
    if isinstance(value, bool):
        if isinstance(literal, (bool, int)):
            return int(value), int(literal)
        if isinstance(literal, str) and literal.lower() in ("true", "false", "0", "1"):
            return int(value), int(literal.lower() in ("true", "1"))
        return None
    if isinstance(value, int):
        if isinstance(literal, (int, float)) and not isinstance(literal, bool):
            return value, literal
        if isinstance(literal, bool):
            return value, int(literal)
        try:
            return value, int(str(literal), 0)
        except ValueError:
            return None
    if isinstance(value, PsDateTime):
        try:
            return value.milliseconds, PsDateTime.from_value(literal).milliseconds
        except ValueError:
            return None
    if isinstance(value, list):
        return None
    text = literal if isinstance(literal, str) else str(literal).lower() if isinstance(literal, bool) else str(literal)
    return str(value).lower(), text.lower()


_OPS: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}
_MIRROR = {"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        elif char == "[":
            end = pattern.find("]", index)
            if end == -1:
                raise WqlSyntaxError("unclosed [ in LIKE pattern")
            body = pattern[index + 1:end]
            parts.append("[^" + re.escape(body[1:]) + "]" if body.startswith("^") else "[" + re.escape(body) + "]")
            index = end
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE | re.DOTALL)


def matches(condition: Condition | None, row: Row, resolve: Resolver) -> bool:
    """True when ``row`` satisfies ``condition``; ``resolve`` maps a written property name to the row key."""
    if condition is None:
        return True
    if isinstance(condition, BoolOp):
        results = (matches(operand, row, resolve) for operand in condition.operands)
        return all(results) if condition.op == "and" else any(results)
    if isinstance(condition, Not):
        return not matches(condition.operand, row, resolve)
    if isinstance(condition, IsNull):
        is_null = row.get(resolve(condition.prop.name)) is None
        return is_null != condition.negated
    if isinstance(condition, Like):
        value = row.get(resolve(condition.prop.name))
        if value is None:
            return False
        return bool(_like_regex(condition.pattern).match(str(value))) != condition.negated
    left, op, right = condition.left, condition.op, condition.right
    if isinstance(left, Literal):
        left, right, op = right, left, _MIRROR[op]
    if not isinstance(left, Property):  # the parser guarantees a property on one side
        return False
    value = row.get(resolve(left.name))
    if isinstance(right, Property):
        other = row.get(resolve(right.name))
        if value is None or other is None:
            return False
        pair = _comparable(value, other)
    else:
        if right.value is None:
            return (value is None) if op == "=" else (value is not None) if op == "<>" else False
        if value is None:
            return False
        pair = _comparable(value, right.value)
    if pair is None:
        return False
    try:
        return _OPS[op](*pair)
    except TypeError:
        return False


def select(query: Query, rows: list[Row], columns: list[str], resolve: Resolver) -> list[Row]:
    """Rows matching the WHERE clause, projected to ``columns`` (canonical names, in that order)."""
    return [{column: row.get(column) for column in columns} for row in rows if matches(query.where, row, resolve)]
