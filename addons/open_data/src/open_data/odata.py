"""SensorThings query options ($top, $skip, $count, $orderby, $select, $expand, $filter).

Parsing only: every malformed option raises ``QueryError`` with a message fit for a 400
answer. ``$filter`` supports the comparison operators (eq ne gt ge lt le), the logical ones
(and or not) and parentheses, over numbers, strings, booleans, null and ISO 8601 times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re

from .timeutil import parse_iso

MAX_TOP = 10_000
DEFAULT_TOP = 100
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")


class QueryError(ValueError):
    """A malformed request; the message tells the client what to fix."""


@dataclass(frozen=True, slots=True)
class Time:
    """A time literal, in ms since the epoch."""

    ms: int


type Literal = float | int | str | bool | Time | None


@dataclass(frozen=True, slots=True)
class Prop:
    """A property path such as ``result`` or ``Datastream/@iot.id``."""

    path: str


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal value."""

    value: Literal


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right``."""

    op: str
    left: Prop | Lit
    right: Prop | Lit


@dataclass(frozen=True, slots=True)
class Logic:
    """``left and right`` / ``left or right``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Expr


type Expr = Compare | Logic | Not


@dataclass(slots=True)
class Query:
    """The query options of one request, or of one ``$expand`` item."""

    top: int = DEFAULT_TOP
    skip: int = 0
    count: bool = False
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    select: list[str] | None = None
    filter: Expr | None = None
    expand: dict[str, Query] = field(default_factory=dict)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*')
      | (?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
      | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<paren>[()])
      | (?P<word>[A-Za-z@$_][A-Za-z0-9@._/]*)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"$filter: cannot read {text[position:].strip()[:30]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _FilterParser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("$filter ends too early")
        self.position += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "word" and token[1] in words:
            self.position += 1
            return token[1]
        return None

    def parse(self) -> Expr:
        expr = self.parse_or()
        if self.peek() is not None:
            raise QueryError(f"$filter: unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return expr

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while self.keyword("or"):
            left = Logic("or", left, self.parse_and())
        return left

    def parse_and(self) -> Expr:
        left = self.parse_not()
        while self.keyword("and"):
            left = Logic("and", left, self.parse_not())
        return left

    def parse_not(self) -> Expr:
        if self.keyword("not"):
            return Not(self.parse_not())
        token = self.peek()
        if token == ("paren", "("):
            # A parenthesised boolean expression, not a parenthesised operand.
            self.position += 1
            inner = self.parse_or()
            if self.peek() != ("paren", ")"):
                raise QueryError("$filter: missing ')'")
            self.position += 1
            return inner
        left = self.operand()
        op = self.keyword(*COMPARISONS)
        if op is None:
            following = self.peek()
            found = f"{following[1]!r}" if following else "the end"
            raise QueryError(
                f"$filter: expected one of {', '.join(COMPARISONS)} after {_show(left)}, found {found}"
            )
        return Compare(op, left, self.operand())

    def operand(self) -> Prop | Lit:
        kind, text = self.take()
        if kind == "str":
            return Lit(text[1:-1].replace("''", "'"))
        if kind == "num":
            number = float(text)
            return Lit(
                int(number)
                if number.is_integer() and "." not in text and "e" not in text.lower()
                else number
            )
        if kind == "time":
            try:
                return Lit(Time(parse_iso(text)))
            except ValueError:
                raise QueryError(f"$filter: {text!r} is not a valid time") from None
        if kind == "word":
            if text in ("true", "false"):
                return Lit(text == "true")
            if text == "null":
                return Lit(None)
            if text in COMPARISONS or text in ("and", "or", "not"):
                raise QueryError(f"$filter: operator {text!r} where a value was expected")
            return Prop(text)
        raise QueryError(f"$filter: unexpected {text!r}")


def _show(operand: Prop | Lit) -> str:
    return operand.path if isinstance(operand, Prop) else repr(operand.value)


def parse_filter(text: str) -> Expr:
    """Parse a $filter expression."""
    if not text.strip():
        raise QueryError("$filter is empty")
    return _FilterParser(text).parse()


def _int_option(name: str, text: str, high: int | None = None) -> int:
    if not re.fullmatch(r"\d{1,9}", text.strip()):
        raise QueryError(f"{name} must be a non-negative integer, not {text!r}")
    value = int(text)
    if high is not None and value > high:
        raise QueryError(f"{name} may be at most {high}")
    return value


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise QueryError(f"unbalanced ')' in {text!r}")
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0 or quoted:
        raise QueryError(f"unbalanced parentheses or quotes in {text!r}")
    parts.append("".join(current))
    return parts


def _orderby(text: str) -> list[tuple[str, bool]]:
    result: list[tuple[str, bool]] = []
    for item in _split_top_level(text, ","):
        words = item.split()
        direction = words[1].lower() if len(words) == 2 else "asc"
        if not words or len(words) > 2 or direction not in ("asc", "desc"):
            raise QueryError(f"$orderby: cannot read {item.strip()!r} (use 'property [asc|desc]')")
        result.append((words[0], direction == "desc"))
    return result


def _names(option: str, text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(re.fullmatch(r"[A-Za-z@][A-Za-z0-9@._]*", name) for name in names):
        raise QueryError(f"{option}: cannot read {text!r}")
    return names


def _expand(text: str, into: dict[str, Query]) -> None:
    for raw_item in _split_top_level(text, ","):
        item = raw_item.strip()
        match = re.fullmatch(r"([A-Za-z/]+)(?:\((.*)\))?", item, re.DOTALL)
        if match is None or not item:
            raise QueryError(f"$expand: cannot read {item!r}")
        path = match.group(1).split("/")
        if not all(path):
            raise QueryError(f"$expand: cannot read {item!r}")
        target = into
        for name in path[:-1]:
            target = target.setdefault(name, Query()).expand
        options: dict[str, str] = {}
        if match.group(2) is not None:
            for part in _split_top_level(match.group(2), ";"):
                key, equals, value = part.partition("=")
                if not equals:
                    raise QueryError(f"$expand: cannot read option {part!r} of {path[-1]}")
                options[key.strip()] = value
        nested = parse_query(options)
        existing = target.get(path[-1])
        if existing is not None and not options:
            continue
        if existing is not None:
            nested.expand = {**existing.expand, **nested.expand}
        target[path[-1]] = nested


_KNOWN = {"$top", "$skip", "$count", "$orderby", "$select", "$expand", "$filter", "$resultFormat"}


def parse_query(params: Mapping[str, str]) -> Query:
    """Parse the query options of a request (or of an $expand item)."""
    query = Query()
    for key in params:
        if key.startswith("$") and key not in _KNOWN:
            raise QueryError(f"unknown query option {key}")
    if "$resultFormat" in params:
        raise QueryError("$resultFormat is not supported")
    if "$top" in params:
        query.top = _int_option("$top", params["$top"], MAX_TOP)
    if "$skip" in params:
        query.skip = _int_option("$skip", params["$skip"])
    if "$count" in params:
        value = params["$count"].strip()
        if value not in ("true", "false"):
            raise QueryError(f"$count must be true or false, not {value!r}")
        query.count = value == "true"
    if "$orderby" in params:
        query.orderby = _orderby(params["$orderby"])
    if "$select" in params:
        query.select = _names("$select", params["$select"])
    if "$filter" in params:
        query.filter = parse_filter(params["$filter"])
    if "$expand" in params:
        _expand(params["$expand"], query.expand)
    return query
