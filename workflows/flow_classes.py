"""The flow that routes each case type, by the type's code (``cases.models.CaseType``).

Keyed by the codes themselves so that ``workflows`` imports nothing from ``cases``: the case
services import the flows, not the other way round.
"""

from .attorney_flow import PowerOfAttorneyFlow
from .flows import BenefitClaimFlow
from .grievance_flow import GrievanceFlow
from .medical_flow import MedicalCommissionFlow
from .payee_flow import RepresentativePayeeFlow
from .refund_flow import RefundFlow
from .waiver_flow import ArrearsWaiverFlow

FLOW_CLASSES = {
    "benefit_claim": BenefitClaimFlow,
    "contribution_refund": RefundFlow,
    "grievance": GrievanceFlow,
    "arrears_waiver": ArrearsWaiverFlow,
    "medical_commission": MedicalCommissionFlow,
    "representative_payee": RepresentativePayeeFlow,
    "power_of_attorney": PowerOfAttorneyFlow,
}
