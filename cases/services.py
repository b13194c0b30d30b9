"""The only code that changes a case.

Each service runs in one transaction, in this order: lock the case row; check the actor's
authority (``roles.selectors.authorize``: scope in the org tree, delegation, four eyes,
amount limit); check the transition is allowed from the current state; call the
``@transition`` method; append the audit event (its chain head lives on the locked row);
save; schedule side effects with ``transaction.on_commit``. A refusal raises a domain error.
"""

from .claims import (  # noqa: F401  (the claim services, by their historical address)
    CLAIM_RELATED,
    claim_appeal,
    claim_decide,
    claim_file,
    claim_pay_due,
    claim_receive_info,
    claim_recommend,
    claim_request_info,
    claim_withdraw,
)
from .engine import case_comment_add, case_document_add, task_reassign, task_release, task_take  # noqa: F401
