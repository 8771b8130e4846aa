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
    # Share of the time limit given to a PyVRP stage whose routes seed OR-Tools (0: OR-Tools only;
    # 1: PyVRP alone, its routes only timed and checked). Ignored when the problem cannot be seeded.
    seed_share: float = 0.0
    seed: int = 1
