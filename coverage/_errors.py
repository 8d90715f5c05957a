"""Exceptions and warnings raised by the library.

The CLI turns every :class:`CoverageError` into one clean line on stderr and a
non-zero exit code; library users catch them like any exception.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass


def printable(text: str) -> str:
    r"""``text`` with control and format characters escaped (``\x1b``, ``\u202e``).

    Messages name values and headers read from files; a terminal escape, a NUL or a
    right-to-left override among them must not reach the user's terminal or log.

    Examples
    --------
    >>> printable("V\x1b[2J\x00 Thôn\u202e")
    'V\\x1b[2J\\x00 Thôn\\u202e'
    """
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (a library's reason), or its type's name."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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
        return printable(f"{': '.join(where)}: {self.message}" if where else self.message)


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


class OutputError(CoverageError):
    """An output that cannot be written: a full disk, a read-only or forbidden folder.

    The machine's fault, not the input's (exit code 1). The message names the file or
    folder and the operating system's reason in plain words, on one line.

    Parameters
    ----------
    path
        The output file or folder concerned.
    code
        The ``errno`` number of the failure, when known.
    reason
        The reason in words when there is no ``errno`` number.

    Examples
    --------
    >>> import errno
    >>> print(OutputError("results/summary.json", errno.EROFS))
    results/summary.json: cannot write: read-only file system (EROFS); write elsewhere
    """

    exit_code = 1

    def __init__(
        self, path: str | os.PathLike, code: int | None = None, *, reason: str | None = None
    ) -> None:
        self.path = str(path)
        self.errno = code
        self.reason = reason
        super().__init__(str(self))

    @classmethod
    def from_os_error(cls, path: str | os.PathLike, exc: OSError) -> OutputError:
        """The output error for ``exc``, an ``OSError`` met writing ``path``."""
        if exc.errno is not None:
            return cls(path, exc.errno)
        return cls(path, reason=exc.strerror or str(exc) or type(exc).__name__)

    def __str__(self) -> str:
        if self.errno is not None:
            words = os.strerror(self.errno)
            words = words[:1].lower() + words[1:]  # "No space left ..." -> "no space left ..."
            name = errno.errorcode.get(self.errno)
            reason = f"{words} ({name})" if name else words
        else:
            reason = self.reason or "unknown reason"
        hint = _OUTPUT_HINTS.get(self.errno or 0, "write elsewhere")
        return printable(f"{self.path}: cannot write: {reason}; {hint}")


_OUTPUT_HINTS = {
    errno.ENOSPC: "free some space or write elsewhere",
    getattr(errno, "EDQUOT", errno.ENOSPC): "free some space or write elsewhere",
    errno.EACCES: "check the folder's permissions or write elsewhere",
    errno.EPERM: "check the folder's permissions or write elsewhere",
}


class CoverageWarning(UserWarning):
    """A repair or fallback the user must know about; recorded in the JSON output."""
