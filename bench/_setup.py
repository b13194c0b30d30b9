"""Django set-up for the bench scripts: production settings against DATABASE_URL."""

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def django_setup():
    # A script's folder comes first on sys.path; bench/queue.py would hide the standard
    # library's queue module from everything imported after it.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    if not os.environ.get("SOCIUS_DEBUG"):
        # A throw-away key: the bench signs nothing that outlives it.
        os.environ.setdefault("SOCIUS_SECRET_KEY", secrets.token_urlsafe(40))
        os.environ.setdefault("SOCIUS_DEVICE_KEY", secrets.token_urlsafe(40))
        os.environ.setdefault("SOCIUS_AUDIT_KEY", "bench-only-audit-key")  # the one seed_scale.sh seals with
    import django

    django.setup()


def timed(fn, repeat):
    """(median ms, worst ms, last result) over ``repeat`` calls after one warm-up call."""
    fn()
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), result
