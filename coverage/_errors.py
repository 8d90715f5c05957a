"""Exceptions and warnings raised by the library.

The CLI turns every :class:`CoverageError` into one clean line on stderr and a
non-zero exit code; library users catch them like any exception.
"""

from __future__ import annotations

from dataclasses import dataclass


class CoverageError(Exception):
    """Base class: a problem the user can fix (bad input, bad option, bad config)."""

    exit_code = 1


class InputError(CoverageError):
    """A problem in one input layer, located by file, feature/row and column.

    Parameters
    ----------
    message
        What is wrong and, where possible, what to do about it.
    path
        The file the problem is in.
    column
        The column concerned, when there is one.
    row
        The feature or row concerned: a CSV line number or a feature id.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        column: str | None = None,
        row: str | int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.column = column
        self.row = row
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(str(self.path))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{': '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Problem:
    """One validation finding; many are gathered and raised at once."""

    message: str
    path: str | None = None
    column: str | None = None
    row: str | int | None = None

    def __str__(self) -> str:
        return str(InputError(self.message, path=self.path, column=self.column, row=self.row))


class ValidationError(InputError):
    """Several input problems found together; ``problems`` lists each of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(
            first.message + suffix, path=first.path, column=first.column, row=first.row
        )


class ConfigError(CoverageError):
    """A bad option value or configuration file entry."""

    exit_code = 2


class CoverageWarning(UserWarning):
    """A repair or fallback the user must know about; recorded in the JSON output."""
