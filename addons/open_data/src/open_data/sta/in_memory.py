"""Query options on the small entity sets, applied in memory: $filter, $orderby, $top, $skip."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..odata import Expr, Logic, Not, Prop, Query, QueryError, Time
from ..timeutil import parse_iso
from .entities import PROPERTIES, Rec

_ID_NAMES = ("@iot.id", "id")


class InMemoryQueries:
    """Checks property names and filters, sorts and pages lists of records."""

    @staticmethod
    def _check_property(entity_set: str, path: str) -> None:
        if path in _ID_NAMES or path in PROPERTIES[entity_set]:
            return
        if path.startswith("properties/") and "properties" in PROPERTIES[entity_set]:
            return
        raise QueryError(f"{entity_set} has no property {path}")

    @staticmethod
    def _value(rec: Rec, path: str) -> Any:
        if path in _ID_NAMES:
            return rec.id
        value: Any = rec.props
        for part in path.split("/"):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    @staticmethod
    def _compare(op: str, left: Any, right: Any) -> bool:
        if isinstance(left, Time) or isinstance(right, Time):
            try:
                left, right = (
                    v.ms if isinstance(v, Time) else parse_iso(str(v).split("/")[0])
                    for v in (left, right)
                )
            except ValueError:
                return False
        if left is None or right is None:
            return (left is right) if op == "eq" else (left is not right) if op == "ne" else False
        numeric = (int, float)
        if isinstance(left, bool) != isinstance(right, bool):
            return False
        if not (isinstance(left, numeric) and isinstance(right, numeric)) and type(
            left
        ) is not type(right):
            return op == "ne"
        try:
            match op:
                case "eq":
                    return bool(left == right)
                case "ne":
                    return bool(left != right)
                case "gt":
                    return bool(left > right)
                case "ge":
                    return bool(left >= right)
                case "lt":
                    return bool(left < right)
                case _:
                    return bool(left <= right)
        except TypeError:
            return False

    def _matches(self, rec: Rec, expr: Expr) -> bool:
        if isinstance(expr, Logic):
            if expr.op == "and":
                return self._matches(rec, expr.left) and self._matches(rec, expr.right)
            return self._matches(rec, expr.left) or self._matches(rec, expr.right)
        if isinstance(expr, Not):
            return not self._matches(rec, expr.operand)
        left = self._value(rec, expr.left.path) if isinstance(expr.left, Prop) else expr.left.value
        right = (
            self._value(rec, expr.right.path) if isinstance(expr.right, Prop) else expr.right.value
        )
        return self._compare(expr.op, left, right)

    def _check_filter(self, entity_set: str, expr: Expr) -> None:
        if isinstance(expr, Logic):
            self._check_filter(entity_set, expr.left)
            self._check_filter(entity_set, expr.right)
        elif isinstance(expr, Not):
            self._check_filter(entity_set, expr.operand)
        else:
            for side in (expr.left, expr.right):
                if isinstance(side, Prop):
                    self._check_property(entity_set, side.path)

    def _in_memory(
        self, entity_set: str, recs: list[Rec], query: Query
    ) -> tuple[list[Rec], int | None, bool]:
        if query.filter is not None:
            self._check_filter(entity_set, query.filter)
            recs = [rec for rec in recs if self._matches(rec, query.filter)]
        for name, _ in query.orderby:
            self._check_property(entity_set, name)
        for name, descending in reversed(query.orderby):
            keyed = [(self._value(r, name), r) for r in recs]
            present = [(v, r) for v, r in keyed if v is not None]
            missing = [r for v, r in keyed if v is None]
            try:
                present.sort(key=lambda pair: pair[0], reverse=descending)
            except TypeError:
                present.sort(key=lambda pair: str(pair[0]), reverse=descending)
            recs = [r for _, r in present] + missing
        count = len(recs) if query.count else None
        page = recs[query.skip : query.skip + query.top]
        return page, count, query.skip + query.top < len(recs)
