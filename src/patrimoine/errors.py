"""The exception tree: every failure a user can cause is a PatrimoineError with a code and one clear line."""

from __future__ import annotations

from pathlib import Path


class PatrimoineError(Exception):
    """Base of every error patrimoine reports to a user."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(PatrimoineError):
    """Bad input from the user: a file, an argument, a query. Names the place at fault when known."""

    code = "input"
    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | int | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        where = []
        if self.file is not None:
            where.append(self.file)
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class NotFound(PatrimoineError):
    code = "not_found"
    exit_code = 3


class Conflict(PatrimoineError):
    code = "conflict"
    exit_code = 4


class Forbidden(PatrimoineError):
    code = "forbidden"
    exit_code = 5


class ConfigError(PatrimoineError):
    code = "config"
    exit_code = 6
