"""Speed of the audit verification (audit.verify.verify_all, what `manage.py audit_verify` runs).

DATABASE_URL=postgres://postgres@127.0.0.1:5432/socius_bench .venv/bin/python bench/audit_verify.py
"""

import time

from _setup import django_setup

django_setup()

from audit.verify import verify_all  # noqa: E402


def main():
    start = time.perf_counter()
    result = verify_all()
    seconds = time.perf_counter() - start
    state = "OK" if result.ok else f"BROKEN: {result.problems[0]}"
    print(
        f"{state}: {result.events_checked:,} events in {result.chains_checked:,} chains, "
        f"{result.checkpoints_checked} checkpoints, {result.heads_checked:,} recorded heads"
    )
    print(f"verify_all: {seconds:.1f} s, {result.events_checked / seconds:,.0f} events/s")


if __name__ == "__main__":
    main()
