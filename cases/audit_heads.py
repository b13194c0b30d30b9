"""Chain heads kept on case rows, for audit verification (``settings.AUDIT_HEAD_SOURCES``).

Every case service appends to the case's audit chain and stores the new head on the locked
case row in the same transaction, so the row always names its chain's last event. A tail
removed from a chain after the last checkpoint shows up as a mismatch.
"""

from .models import Case

SUBJECT_TYPE = "case"


def case_heads(chunk_size=5000):
    """Yield ("case", id, seq, hash) for every case with history, streaming in id order."""
    rows = (
        Case.objects.filter(audit_seq__gt=0)
        .order_by("pk")
        .values_list("pk", "audit_seq", "audit_hash")
        .iterator(chunk_size=chunk_size)
    )
    for pk, seq, head_hash in rows:
        yield SUBJECT_TYPE, str(pk), seq, head_hash
