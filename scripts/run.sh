#!/usr/bin/env bash
# Migrate, seed the demo (DEBUG only), start the escalation worker and daphne.
set -euo pipefail
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
BIN=.venv/bin
$BIN/python manage.py migrate --noinput -v0
if [ "${DEBUG:-0}" = "1" ]; then
  $BIN/python manage.py seed_demo
fi
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if $BIN/python manage.py help escalation_worker >/dev/null 2>&1; then
  $BIN/python manage.py escalation_worker &
  pids+=($!)
fi
echo "Serving on http://$HOST:$PORT/  (Ctrl+C stops)"
$BIN/daphne -b "$HOST" -p "$PORT" chatserver.asgi:application &
pids+=($!)
wait -n "${pids[@]}"
