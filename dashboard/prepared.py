"""Queries compiled once per database connection, run on every request.

Each page reads its session row and its user (with their role): two small queries by
key. Made by the ORM every time, building and compiling them cost three times as much
as running them (about 0.4 ms each, most of the database's share of a page). A
`Prepared` query is built and compiled by the ORM once per connection, then each call
runs the same SQL with its own parameters, adapted as the ORM adapts them, and its rows
pass through the ORM's converters (dates, booleans), so what comes back is what the
queryset itself would have returned.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet
from django.utils.functional import cached_property


class Prepared:
    """`build(*values)` makes a `values_list` queryset whose SQL parameters are exactly
    `values` (in any order), each compared with the matching field of `fields`;
    `samples`, values of distinct types or spellings, are what it is compiled with."""

    def __init__(
        self, build: Callable[..., QuerySet], fields: Sequence[Field], samples: Sequence[Any]
    ) -> None:
        self._build, self._fields, self._samples = build, tuple(fields), tuple(samples)

    @cached_property
    def using(self) -> str:
        """The database the queryset reads from (its router's choice)."""
        return self._build(*self._samples).db

    def rows(self, *values: Any) -> list[tuple]:
        using = self.using
        connection = connections[using]  # this thread's
        # Kept on the connection: it lives as long as its thread, and its compiler with it.
        compiled_here = vars(connection).setdefault("prepared_queries", {})
        compiled = compiled_here.get(self)
        if compiled is None:
            compiled = compiled_here[self] = self._compile(connection, using)
        if compiled is False:  # this backend compiles to other parameters: the ORM's way
            return list(self._build(*values).using(using))
        sql, compiler, order = compiled
        adapted = self._adapted(values, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [adapted[index] for index in order])
            fetched = cursor.fetchall()
        return list(compiler.results_iter(results=[fetched], tuple_expected=True))

    def _adapted(self, values: Sequence[Any], connection) -> list[Any]:
        return [
            field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)
            for field, value in zip(self._fields, values, strict=True)
        ]

    def _compile(self, connection, using: str):
        """(SQL, compiler, where each value goes in its parameters) for this connection,
        or False when its parameters are not the samples as adapted here (the ORM puts
        the conditions of one filter() in an order of its own)."""
        compiler = self._build(*self._samples).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        samples = [repr(sample) for sample in self._adapted(self._samples, connection)]
        spelled = [repr(param) for param in params]
        if len(set(samples)) < len(samples) or sorted(spelled) != sorted(samples):
            return False
        return sql, compiler, [samples.index(param) for param in spelled]
