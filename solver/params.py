"""How to solve: limits and search strategies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SolveParams:
    """Search settings. With a `solution_limit` (and no binding time limit) a solve is repeatable.

    `first_solution` and `metaheuristic` are OR-Tools enum names, e.g. PARALLEL_CHEAPEST_INSERTION
    and GUIDED_LOCAL_SEARCH.
    """

    time_limit_s: float = 10.0
    solution_limit: int | None = None
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    log_search: bool = False
