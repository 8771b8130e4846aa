"""Every user-facing string of the web UI has a Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from dispatch.models import JobStatus, Outcome, PlanStatus, Satisfaction
from dispatch.plan_edits import REMOVED
from dispatch.planning import TARGET_UNREACHABLE
from solver import Reason
from web.i18n import read_catalogue

WEB = Path(__file__).resolve().parents[2] / "web"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _source_strings() -> set[str]:
    found = extract_from_dir(
        str(WEB),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        keywords=KEYWORDS,
    )
    return {msg if isinstance(msg, str) else msg[0] for _file, _line, msg, _comments, _context in found}


def test_every_string_and_status_is_translated() -> None:
    catalogue = read_catalogue(WEB / "translations" / "zh_Hans" / "LC_MESSAGES")
    translated = {m.id for m in catalogue if m.id and m.string}
    shown = _source_strings() | {s.value for s in JobStatus} | {s.value for s in PlanStatus}
    shown |= set(re.findall(r'Violation\(\s*"(\w+)"', (WEB.parent / "solver" / "check.py").read_text())) - {"figures"}
    shown |= (
        {r.value for r in Reason}
        | {REMOVED, TARGET_UNREACHABLE}
        | {o.value for o in Outcome}
        | {s.value for s in Satisfaction}
    )
    assert len(shown) > 40
    assert sorted(shown - translated) == []
