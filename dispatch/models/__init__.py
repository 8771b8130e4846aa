"""The domain model (SQLAlchemy 2 typed ORM), one module per aggregate."""

from dispatch.models.base import Base
from dispatch.models.catalog import JobType, Part, ProductKind, StockLevel
from dispatch.models.customers import Customer, CustomerPhone, OwnedProduct
from dispatch.models.jobs import (
    FINISHING_OUTCOMES,
    Job,
    JobEvent,
    JobStatus,
    Outcome,
    Priority,
    Satisfaction,
    Visit,
    VisitPart,
    Warranty,
)
from dispatch.models.plans import DayPlan, PlanRoute, PlanStatus, PlanStop, PlanUnassigned, PlanVersion
from dispatch.models.system import GeocodeCache, Marker, Scenario
from dispatch.models.users import Role, User
from dispatch.models.workforce import Absence, Depot, Shift, Skill, Technician, WeeklyShift

__all__ = [
    "FINISHING_OUTCOMES",
    "Absence",
    "Base",
    "Customer",
    "CustomerPhone",
    "DayPlan",
    "Depot",
    "GeocodeCache",
    "Job",
    "JobEvent",
    "JobStatus",
    "JobType",
    "Marker",
    "Outcome",
    "OwnedProduct",
    "Part",
    "PlanRoute",
    "PlanStatus",
    "PlanStop",
    "PlanUnassigned",
    "PlanVersion",
    "Priority",
    "ProductKind",
    "Role",
    "Satisfaction",
    "Scenario",
    "Shift",
    "Skill",
    "StockLevel",
    "Technician",
    "User",
    "Visit",
    "VisitPart",
    "Warranty",
    "WeeklyShift",
]
