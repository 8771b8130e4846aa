"""solver: pure optimisation, a frozen problem in and a plan out.

Layer: the bottom one. It imports only the standard library, numpy and OR-Tools (PyVRP in one
module at most); never `dispatch`, `web`, Flask, the database or geopy.
"""

from solver.check import Violation, check
from solver.params import SolveParams
from solver.plan import BreakTaken, Figures, Plan, Reason, Route, Status, Stop, Unassigned
from solver.problem import Break, DispatchProblem, Job, ProblemError, Shift, Technician, Weights, Window
from solver.routing import solve
from solver.schedule import time_routes

__all__ = [
    "Break",
    "BreakTaken",
    "DispatchProblem",
    "Figures",
    "Job",
    "Plan",
    "ProblemError",
    "Reason",
    "Route",
    "Shift",
    "SolveParams",
    "Status",
    "Stop",
    "Technician",
    "Unassigned",
    "Violation",
    "Weights",
    "Window",
    "check",
    "solve",
    "time_routes",
]
