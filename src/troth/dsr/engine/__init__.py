"""The request engine: plan, access, erase, rectify and restrict over the declared datasets.

plan = make_plan(declaration, identities)                 # what will be read, in what order
export_subject(declaration, connectors, identities, out)  # access / portability archive
execute(sessions=..., secret=..., declaration=..., connectors=..., kind="erase", identities=...)
"""

from troth.dsr.engine._access import AccessResult, export_subject
from troth.dsr.engine._change import parse_changes
from troth.dsr.engine._erase import Outcome
from troth.dsr.engine._graph import LookupSpec, PlanError, erasure_order
from troth.dsr.engine._identity import Identities, parse_identities
from troth.dsr.engine._models import DsrRestriction, DsrRun, DsrStep
from troth.dsr.engine._plan import Plan, make_plan
from troth.dsr.engine._runs import Kind, RunResult, execute, is_restricted

__all__ = [
    "AccessResult",
    "DsrRestriction",
    "DsrRun",
    "DsrStep",
    "Identities",
    "Kind",
    "LookupSpec",
    "Outcome",
    "Plan",
    "PlanError",
    "RunResult",
    "erasure_order",
    "execute",
    "export_subject",
    "is_restricted",
    "make_plan",
    "parse_changes",
    "parse_identities",
]
