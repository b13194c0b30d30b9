"""Latency of the audit search (audit/selectors.py) over a trail of millions of events.

    createdb -h 127.0.0.1 -U postgres audit_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/audit_bench .venv/bin/python bench/audit_search.py --events 10000000

In a database of its own: it migrates it, and when it holds fewer events than ``--events`` it
adds synthetic ones with one INSERT ... SELECT generate_series (their hashes are not valid: the
search does not read them; do not run audit_verify there). The events spread over 3 years,
7 units, 300 staff (1 % acting on someone's behalf), 24 actions and chains of 5 events.

For each search it prints the median and worst time of the first page, of the page after it,
the number of queries, and whether the plan reads an index or the whole table; then the rate
of the CSV export's keyset chunks.
"""

import argparse
import datetime as dt
import time

from _setup import django_setup, timed

django_setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from audit import selectors  # noqa: E402
from audit.models import AuditEvent  # noqa: E402

UNITS = [1, 2, 3, 4, 5, 6, 7]  # central, 2 regions, 4 branches (synthetic ids)
REGION = [2, 4, 5]  # a region and its two branches
STAFF = 300
ACTIONS = [
    "benefit_claim.created",
    "benefit_claim.submit",
    "benefit_claim.start_review",
    "benefit_claim.recommend",
    "benefit_claim.approve",
    "benefit_claim.reject",
    "task.created",
    "task.assigned",
    "task.completed",
    "task.reassigned",
    "comment.added",
    "document.added",
    "grievance.triage",
    "grievance.resolve",
    "contribution_refund.recommend",
    "arrears_waiver.approve",
    "case.overdue",
    "case.escalated",
    "user.created",
    "user.role_granted",
    "org_unit.created",
    "medical_commission.decide",
    "representative_payee.activate",
    "audit.exported",
]


def staff_ids():
    User = get_user_model()
    have = User.objects.filter(username__startswith="bench.auditor.").count()
    if have < STAFF:
        User.objects.bulk_create(
            [User(username=f"bench.auditor.{i}", password=make_password(None)) for i in range(have, STAFF)],
            batch_size=1000,
        )
    return list(User.objects.filter(username__startswith="bench.auditor.").order_by("pk").values_list("pk", flat=True))


def fill(target):
    have = AuditEvent.objects.count()
    if have >= target:
        return have
    users = staff_ids()
    start = time.perf_counter()
    first, last = have + 1, target
    actions = "ARRAY[" + ",".join(f"'{a}'" for a in ACTIONS) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO audit_auditevent
                  (occurred_at, actor_id, actor_label, on_behalf_of_id, org_unit_id, subject_type, subject_id,
                   seq, action, from_state, to_state, payload, request_id, client_ip, prev_hash, hash)
                SELECT TIMESTAMPTZ '2023-01-01' + (i * INTERVAL '9 seconds') * (94000000.0 / %(n)s / 9),
                       CASE WHEN i %% 4 = 0 THEN NULL ELSE (%(users)s::bigint[])[1 + i %% %(staff)s] END,
                       CASE WHEN i %% 4 = 0 THEN 'system' ELSE 'bench.auditor.' || (i %% %(staff)s) END,
                       CASE WHEN i %% 100 = 7 THEN (%(users)s::bigint[])[1 + (i / 7) %% %(staff)s] END,
                       1 + (i / 5) %% 7,
                       'case', (i / 5)::text, 1 + i %% 5,
                       ({actions})[1 + (i * 7 + i / 5) %% {len(ACTIONS)}],
                       '', '', '{{}}'::jsonb, '', NULL, repeat('0', 64), md5(i::text) || md5(i::text)
                FROM generate_series(%(first)s, %(last)s) AS i""",
            {"n": target, "users": users, "staff": STAFF, "first": first, "last": last},
        )
        cursor.execute("ANALYZE audit_auditevent")
    print(f"added {last - first + 1:,} events in {time.perf_counter() - start:.0f} s")
    return target


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def plan(filters, units):
    events = selectors._events(filters, units)
    text = events.select_related("on_behalf_of")[:51].explain()
    scans = [line.strip() for line in text.splitlines() if "Scan" in line]
    return "; ".join(s.split("  (")[0].replace("->", "").strip() for s in scans[:2])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="events the trail should hold")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per figure (default 5)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run it against PostgreSQL (DATABASE_URL)")
    call_command("migrate", verbosity=0)
    total = fill(args.events)
    users = dict(get_user_model().objects.filter(username__startswith="bench.auditor.").values_list("pk", "username"))
    actor = users[min(users) + 17]
    behalf_id = (
        AuditEvent.objects.filter(on_behalf_of_id__isnull=False).values_list("on_behalf_of_id", flat=True).first()
    )
    behalf = users.get(behalf_id, "")
    case_id = str(total // 10)
    tz = timezone.get_current_timezone()
    day = dt.datetime(2024, 6, 3, tzinfo=tz)
    cases = [
        ("whole trail, no filter", selectors.EventFilters(), None),
        ("one region, no filter", selectors.EventFilters(), REGION),
        ("one case", selectors.EventFilters(subject_type="case", subject_id=case_id), None),
        ("actor", selectors.EventFilters(actor=actor), None),
        ("actor, one region", selectors.EventFilters(actor=actor), REGION),
        ("on behalf of", selectors.EventFilters(on_behalf_of=behalf), None),
        ("action", selectors.EventFilters(action="benefit_claim.approve"), None),
        ("one day", selectors.EventFilters(since=day, before=day + dt.timedelta(days=1)), None),
        (
            "action, one week, one region",
            selectors.EventFilters(action="task.assigned", since=day, before=day + dt.timedelta(days=7)),
            REGION,
        ),
        ("actor, one month", selectors.EventFilters(actor=actor, since=day, before=day + dt.timedelta(days=30)), None),
    ]
    print(f"{total:,} audit events; {args.repeat} calls each after a warm-up")
    for label, filters, units in cases:
        scope = set(units) if units else None
        median, worst, page = timed(lambda f=filters, s=scope: selectors.search_events(f, units=s), args.repeat)
        line = f"  {label:<30} page 1 median {median:8.2f} ms worst {worst:8.2f} ms"
        if page.next_cursor:
            median2, _w, _p = timed(
                lambda f=filters, s=scope, c=page.next_cursor: selectors.search_events(f, units=s, after=c), args.repeat
            )
            line += f" | page 2 median {median2:8.2f} ms"
        count = queries(lambda f=filters, s=scope: selectors.search_events(f, units=s))
        print(f"{line} | {len(page.rows)} rows, {count} queries | {plan(filters, scope)}")
    start = time.perf_counter()
    exported = 0
    for _event in selectors.iter_events(selectors.EventFilters(), units=set(REGION)):
        exported += 1
        if exported >= 200_000:
            break
    seconds = time.perf_counter() - start
    print(f"  export stream, one region: {exported:,} events in {seconds:.1f} s, {exported / seconds:,.0f} events/s")


if __name__ == "__main__":
    main()
