#!/usr/bin/env bash
# Seed a dedicated PostgreSQL database with the demo office and N synthetic claims, and
# print the rate. Usage: bench/seed_scale.sh [CASES]   (default 1000000)
#
#   BENCH_DB      database to (re)create            default socius_bench
#   BENCH_PG      server URL without database       default postgres://postgres@127.0.0.1:5432
#   BATCH         claims per transaction            default 20000
#   KEEP=1        keep the database afterwards (to run bench/queue.py and bench/audit_verify.py)
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${1:-1000000}"
DB="${BENCH_DB:-socius_bench}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BATCH="${BATCH:-20000}"
PY=.venv/bin/python

case "$DB" in
    *[!a-z0-9_]*) echo "BENCH_DB must be a plain lower-case name" >&2; exit 2 ;;
esac

export DATABASE_URL="$PG/$DB"
# Production settings (no query log), a throw-away key, mail kept in memory, tasks in-process.
export SOCIUS_SECRET_KEY="${SOCIUS_SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')}"
# One fixed audit key for the bench, so that the verification benches read what seeding sealed.
export SOCIUS_AUDIT_KEY="${SOCIUS_AUDIT_KEY:-bench-only-audit-key}"
export SOCIUS_DEVICE_KEY="${SOCIUS_DEVICE_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(40))')}"
export SOCIUS_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
unset SOCIUS_DEBUG CELERY_BROKER_URL

psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
cleanup() {
    if [ "${KEEP:-0}" != "1" ]; then
        psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB"
    fi
}
trap cleanup EXIT

echo "== migrate"
$PY manage.py migrate --noinput -v0
echo "== seed_demo"
$PY manage.py seed_demo | sed -n '1,3p'
echo "== seed_scale --cases $CASES --batch $BATCH  ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
start=$(date +%s.%N)
$PY manage.py seed_scale --cases "$CASES" --batch "$BATCH"
end=$(date +%s.%N)
echo "== database size: $(psql -Atq "$PG/$DB" -c "SELECT pg_size_pretty(pg_database_size('$DB'))")"
$PY - "$start" "$end" "$CASES" <<'PY'
import sys
start, end, cases = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"seed_scale: {cases:,} cases in {end - start:.0f} s wall (command start to exit): {cases / (end - start):,.0f} cases/s")
PY
if [ "${KEEP:-0}" = "1" ]; then
    echo "kept $DB: DATABASE_URL=$DATABASE_URL .venv/bin/python bench/queue.py ; drop it with: psql $PG/postgres -c 'DROP DATABASE $DB'"
fi
