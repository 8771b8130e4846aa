"""Errors raised by the domain services; each one names what was wrong."""

from __future__ import annotations

from dataclasses import dataclass


class DispatchError(Exception):
    """Base class of every error a dispatch service raises on purpose."""


class IllegalTransition(DispatchError):
    """A job status change that the lifecycle does not allow."""

    def __init__(self, job_id: str, current: str, wanted: str) -> None:
        super().__init__(f"job {job_id}: cannot go from {current!r} to {wanted!r}")
        self.job_id = job_id
        self.current = current
        self.wanted = wanted


class InvalidPhone(DispatchError, ValueError):
    """A phone number that is neither a Chinese mobile nor a landline with area code."""


class InsufficientStock(DispatchError):
    """A visit records more of a part than the technician's van holds."""


class NotFound(DispatchError):
    """A referenced record does not exist."""


class UnsafeDatabase(DispatchError):
    """An operation that would wipe a database holding real (non-demo) data."""


@dataclass(frozen=True)
class RowError:
    """One bad field of one row of an input file."""

    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.field}: {self.reason}"


class ImportFailed(DispatchError):
    """An import with at least one bad row; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad field(s); nothing was imported")
        self.errors = errors
