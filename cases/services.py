"""The claim services and the services every case type shares, at the address callers use: the
code lives in ``cases/claims.py`` and ``cases/engine.py``.

Only a case service changes a case: these, and those of each type beside them (``refunds``,
``waivers``, ``grievances``, ``medical``, ``payees``, ``proactive``), all built on
``cases.engine``. Each names its actor explicitly (``audit.actors``: a staff member's account or
an ``Actor`` for a person, an employer, a representative or a job; never None) and runs in one
transaction, in this order: lock the case row (``cases.locks.lock_case``, and ``lock_account``
for the account a decision changes); check the actor's authority (``roles.selectors.authorize``:
scope in the org tree, delegation, amount limit) and the step's own rules (four eyes, commission
membership: ``cases.catalog``); check the transition is allowed from the current state; call the
``@transition`` method; append the audit event (its chain head lives on the locked row); save;
schedule side effects with ``transaction.on_commit``. A refusal raises a domain error.
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
