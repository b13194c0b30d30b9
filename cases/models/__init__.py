"""Cases and their state machines.

``Case`` holds what every case has; each type is a multi-table child with its own fields and
``@transition`` methods on the inherited, protected ``state`` field. Only the services in
``cases/services.py`` (and the modules beside it) call the transitions.
"""

from .attorneys import AttorneyState, PowerOfAttorney
from .base import (
    PRIORITY_RANK,
    Case,
    CaseComment,
    CaseDocument,
    CaseType,
    DecisionFields,
    Notification,
    Priority,
    StaffAlert,
    document_path,
)
from .claims import UNDECIDED, BenefitClaim, BenefitType, Channel, ClaimState
from .grievances import Grievance, GrievanceCategory, GrievanceState
from .medical import CommissionSession, MedicalCommission, MedicalPurpose, MedicalState
from .messages import CaseMessage, MessageAttachment
from .payees import PayeeState, RepresentativePayee
from .receipts import Receipt, ReceiptLookup
from .refunds import ContributionRefund, RefundState
from .waivers import ArrearsWaiver, WaiverState

CASE_MODELS = {
    CaseType.BENEFIT_CLAIM: BenefitClaim,
    CaseType.CONTRIBUTION_REFUND: ContributionRefund,
    CaseType.GRIEVANCE: Grievance,
    CaseType.ARREARS_WAIVER: ArrearsWaiver,
    CaseType.MEDICAL_COMMISSION: MedicalCommission,
    CaseType.REPRESENTATIVE_PAYEE: RepresentativePayee,
    CaseType.POWER_OF_ATTORNEY: PowerOfAttorney,
}

__all__ = [
    "ArrearsWaiver",
    "AttorneyState",
    "BenefitClaim",
    "BenefitType",
    "CASE_MODELS",
    "Case",
    "CaseMessage",
    "MessageAttachment",
    "Receipt",
    "ReceiptLookup",
    "CaseComment",
    "CaseDocument",
    "CaseType",
    "Channel",
    "ClaimState",
    "CommissionSession",
    "ContributionRefund",
    "DecisionFields",
    "Grievance",
    "GrievanceCategory",
    "GrievanceState",
    "MedicalCommission",
    "MedicalPurpose",
    "MedicalState",
    "Notification",
    "PRIORITY_RANK",
    "PayeeState",
    "PowerOfAttorney",
    "Priority",
    "RefundState",
    "RepresentativePayee",
    "StaffAlert",
    "UNDECIDED",
    "WaiverState",
    "document_path",
]
