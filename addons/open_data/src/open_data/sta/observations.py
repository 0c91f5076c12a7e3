"""Observations in SQL: $filter and $orderby on Observations become a query on the store."""

from __future__ import annotations

from typing import Any

from ..odata import Compare, Expr, Lit, Not, Prop, Query, QueryError, Time
from ..timeutil import parse_iso
from .entities import ObsScope, Rec
from .records import EntityRecords

_OBS_COLUMNS = {
    "phenomenonTime": "ts",
    "resultTime": "ts",
    "result": "value",
    "@iot.id": "id",
    "id": "id",
    "Datastream/@iot.id": "stream_id",
    "Datastream/id": "stream_id",
}
_SQL_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FLIPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


class ObservationQueries(EntityRecords):
    """Reads Observations from the store, with the query options turned into SQL."""

    def _scope_ids(self, scope: ObsScope) -> tuple[int, ...]:
        published = self._catalogue.streams
        if scope.stream_ids is None:
            return tuple(sorted(published))
        return tuple(i for i in scope.stream_ids if i in published)

    def _sql_compare(self, node: Compare) -> tuple[str, list[Any]]:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Lit) and isinstance(right, Prop):
            op, left, right = _FLIPPED[op], right, left
        if not isinstance(left, Prop) or not isinstance(right, Lit):
            raise QueryError("$filter on Observations compares a property with a value")
        column = _OBS_COLUMNS.get(left.path)
        if column is None:
            raise QueryError(
                f"$filter on Observations supports phenomenonTime, resultTime, result and "
                f"@iot.id, not {left.path}"
            )
        value = right.value
        if value is None:
            return ("1" if op == "ne" else "0"), []
        if column == "ts":
            if isinstance(value, str):
                try:
                    value = Time(parse_iso(value))
                except ValueError:
                    value = None
            if not isinstance(value, Time):
                raise QueryError(
                    f"{left.path} is compared with a time such as 2024-06-01T00:00:00Z"
                )
            return f"ts {_SQL_OPS[op]} ?", [value.ms]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise QueryError(f"{left.path} is compared with a number")
        return f"{column} {_SQL_OPS[op]} ?", [value]

    def _sql_filter(self, expr: Expr) -> tuple[str, list[Any]]:
        if isinstance(expr, Compare):
            return self._sql_compare(expr)
        if isinstance(expr, Not):
            inner, params = self._sql_filter(expr.operand)
            return f"NOT ({inner})", params
        left, left_params = self._sql_filter(expr.left)
        right, right_params = self._sql_filter(expr.right)
        return f"({left}) {expr.op.upper()} ({right})", left_params + right_params

    def _sql_order(self, query: Query) -> str:
        terms: list[str] = []
        for name, descending in query.orderby:
            column = _OBS_COLUMNS.get(name)
            if column is None:
                raise QueryError(f"$orderby on Observations: unknown property {name}")
            terms.append(f"{column} {'DESC' if descending else 'ASC'}")
        # Time order by default: what clients of a time series expect, and what the
        # (stream_id, ts) and (ts) indexes serve without sorting.
        terms.extend(("ts ASC", "id ASC") if not terms else ("id ASC",))
        return ", ".join(terms)

    async def _observations(
        self, scope: ObsScope, query: Query
    ) -> tuple[list[Rec], int | None, bool]:
        ids = self._scope_ids(scope)
        if not ids:
            return [], (0 if query.count else None), False
        where = [f"stream_id IN ({','.join('?' * len(ids))})" if len(ids) > 1 else "stream_id = ?"]
        params: list[Any] = list(ids)
        if query.filter is not None:
            clause, filter_params = self._sql_filter(query.filter)
            where.append(f"({clause})")
            params += filter_params
        condition = " AND ".join(where)
        store = self._catalogue.store
        rows = await store.query(
            f"SELECT id, stream_id, ts, value FROM observations WHERE {condition} "
            f"ORDER BY {self._sql_order(query)} LIMIT ? OFFSET ?",
            [*params, query.top + 1, query.skip],
        )
        count = None
        if query.count:
            count = int(
                (
                    await store.query(
                        f"SELECT COUNT(*) FROM observations WHERE {condition}",
                        params,
                    )
                )[0][0]
            )
        more = len(rows) > query.top
        return [self._observation(row) for row in rows[: query.top]], count, more

    async def _observation_by_id(self, scope: ObsScope, oid: int) -> Rec | None:
        ids = self._scope_ids(scope)
        if not ids:
            return None
        rows = await self._catalogue.store.query(
            f"SELECT id, stream_id, ts, value FROM observations WHERE id = ? "
            f"AND stream_id IN ({','.join('?' * len(ids))})",
            [oid, *ids],
        )
        return self._observation(rows[0]) if rows else None
