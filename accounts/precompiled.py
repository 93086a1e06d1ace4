"""Reads whose SQL the ORM writes once per process, for the busiest pages.

Building and compiling a queryset with half a dozen subqueries costs Django more time (5-15 ms) than
PostgreSQL takes to run it. For such a read, the queryset is built once with a stand-in for each value
that changes between requests (ids, the current moment), compiled, and the SQL kept; each request runs
that SQL with its own values. The rules stay written once, as querysets: nothing here is SQL by hand.

What must not vary between requests is what the ORM writes into the SQL from the request's context,
such as the active time zone of TruncDate: a read that needs it passes it as a stand-in, or does that
step in Python. Nor may the build read the database (a queryset evaluated while building would be
kept as it was for the first request): that is refused. A read whose SQL depends on more than values
(on the viewer's role, say) is one PrecompiledRead per case, keyed by what it depends on.
"""

import datetime
import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Where each stand-in sits in `params` (a value such as the viewer's id can be used more than once).
    positions: dict[str, tuple[int, ...]]
    # The ORM's converters of the columns that have any (e.g. JSON text to Python), by column.
    converters: dict[int, tuple[list[Callable[..., Any]], Any]]


@dataclass
class PrecompiledRead:
    """`build(**stand_ins)` returns the read as a values_list() queryset; `rows(**values)` runs it.

    Each stand-in is a value no request passes (a negative id, a moment in 1900) of the type the
    request's value will have, and unlike the other stand-ins; it must reach the compiled SQL as a
    parameter, once or more.
    """

    build: Callable[..., QuerySet[Any]]
    stand_ins: dict[str, Any]
    # Stand-ins the SQL may leave out (for some cases of a read keyed by case); any other must be in it.
    optional: frozenset[str] = frozenset()
    using: str = "default"
    _compiled: _Compiled | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        compiled = self._compiled or self._compile()
        params = list(compiled.params)
        for name, positions in compiled.positions.items():
            for position in positions:
                params[position] = values[name]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            records = cursor.fetchall()
        if not compiled.converters:
            return records
        return [self._converted(record, compiled, connection) for record in records]

    @staticmethod
    def _converted(record: tuple[Any, ...], compiled: _Compiled, connection: Any) -> tuple[Any, ...]:
        values = list(record)
        for position, (converters, expression) in compiled.converters.items():
            for converter in converters:
                values[position] = converter(values[position], expression, connection)
        return tuple(values)

    def _check_each_value_reaches_only_its_places(
        self, sql: str, params: Sequence[Any], positions: dict[str, tuple[int, ...]]
    ) -> None:
        """Compile again with other stand-ins: the SQL must be the same and the parameters differ only
        where the stand-ins were found. Otherwise the build turned a value into something else (a copy
        inside a string, a branch in Python) that the compiled SQL would keep for every request."""
        others = {name: _another(stand_in) for name, stand_in in self.stand_ins.items()}
        with connections[self.using].execute_wrapper(_refuse_reads):
            other_sql, other_params = self.build(**others).query.get_compiler(using=self.using).as_sql()
        expected = list(params)
        for name, places in positions.items():
            for place in places:
                expected[place] = others[name]
        if other_sql != sql or list(other_params) != expected:
            raise ImproperlyConfigured(
                "A precompiled read compiles differently for other values: each stand-in must reach the SQL "
                "as a parameter of its own, unchanged, and the build must not depend on the values."
            )

    def _compile(self) -> _Compiled:
        with self._lock:
            if self._compiled is not None:
                return self._compiled
            if len({repr(stand_in) for stand_in in self.stand_ins.values()}) != len(self.stand_ins):
                raise ImproperlyConfigured("Two stand-ins of a precompiled read have the same value.")
            with connections[self.using].execute_wrapper(_refuse_reads):
                queryset = self.build(**self.stand_ins)
                compiler = queryset.query.get_compiler(using=self.using)
                sql, params = compiler.as_sql()
            positions = {}
            for name, stand_in in self.stand_ins.items():
                found = tuple(
                    index
                    for index, param in enumerate(params)
                    if type(param) is type(stand_in) and param == stand_in
                )
                if not found and name not in self.optional:
                    raise ImproperlyConfigured(f"The stand-in for {name!r} is not in the compiled read.")
                positions[name] = found
            self._check_each_value_reaches_only_its_places(sql, params, positions)
            columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
            self._compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                positions=positions,
                converters=compiler.get_converters(columns),
            )
            return self._compiled


def _another(stand_in: Any) -> Any:
    """A second stand-in of the same type, to compile the read with once more."""
    if isinstance(stand_in, list):
        return [_another(item) for item in stand_in]
    if isinstance(stand_in, int) and not isinstance(stand_in, bool):
        return stand_in - 1_000_000
    if isinstance(stand_in, datetime.datetime):
        return stand_in + datetime.timedelta(days=1)
    raise ImproperlyConfigured(f"A stand-in must be a whole number, a moment or a list of them: {stand_in!r}")


def _refuse_reads(*args: Any) -> None:
    raise ImproperlyConfigured(
        "A precompiled read must not read the database while it is built: what it read would be kept "
        "for every later request. Use a subquery instead."
    )


def instance_builder(model: type[Model]) -> Callable[[Sequence[str], Sequence[Any]], Model]:
    """A function that builds `model` as Model.from_db does from some of its columns (the rest deferred),
    without the per-field loop of Model.__init__, which costs about ten times as much for a row of a few
    columns. A model with pre_init or post_init receivers gets Model.from_db, so they still run; that is
    looked up when the builder is made, so make one per read rather than one per row."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return functools.partial(model.from_db, DEFAULT_DB_ALIAS)

    def build(attnames: Sequence[str], values: Sequence[Any]) -> Model:
        instance = model.__new__(model)
        instance.__dict__.update(zip(attnames, values, strict=True))
        instance._state = ModelState()
        instance._state.adding = False
        instance._state.db = DEFAULT_DB_ALIAS
        return instance

    return build
