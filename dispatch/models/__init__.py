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
from dispatch.models.messages import Channel, MessageKind, MessageStatus, OutboxMessage
from dispatch.models.plans import (
    DayPlan,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanUnassigned,
    PlanVersion,
    ReplanReason,
    ReplanRequest,
    TechnicianBreak,
)
from dispatch.models.service import Complaint, FollowUp, ServiceFee, WarrantyTerm
from dispatch.models.system import GeocodeCache, Marker, Scenario, TaskRun
from dispatch.models.users import Role, User
from dispatch.models.workforce import Absence, Depot, Shift, Skill, Technician, WeeklyShift

__all__ = [
    "FINISHING_OUTCOMES",
    "Absence",
    "Base",
    "Channel",
    "Complaint",
    "Customer",
    "CustomerPhone",
    "DayPlan",
    "Depot",
    "FollowUp",
    "GeocodeCache",
    "Job",
    "JobEvent",
    "JobStatus",
    "JobType",
    "Marker",
    "MessageKind",
    "MessageStatus",
    "OutboxMessage",
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
    "ReplanReason",
    "ReplanRequest",
    "Role",
    "Satisfaction",
    "Scenario",
    "ServiceFee",
    "Shift",
    "Skill",
    "StockLevel",
    "TaskRun",
    "Technician",
    "TechnicianBreak",
    "User",
    "Visit",
    "VisitPart",
    "Warranty",
    "WarrantyTerm",
    "WeeklyShift",
]
