#!/usr/bin/env bash
# The demo store: SQLite + django-q2's ORM broker, one worker, the development server.
set -euo pipefail
HOST="${1:-127.0.0.1}"; PORT="${2:-8000}"; PHOTOS="${3:-}"
PY=.venv/bin/python
mkdir -p var
# With a larger model (ISNet) installed, the demo runs the cascade: the fast model for every
# photo, ISNet for those its rule escalates; otherwise the fast path alone.
MODELS="${KONIGLE_BG_MODELS_DIR:-var/models}"
if $PY -c 'import sys; from konigle_bg.imaging.segment.salient import find_isnet
sys.exit(find_isnet(None, sys.argv[1]) is None)' "$MODELS"; then
  export KONIGLE_BG_SEGMENTER=cascade KONIGLE_BG_MODELS_DIR="$MODELS"
  SEGMENTER="cascade (u2netp, and ISNet from $MODELS where the rule escalates)"
else
  SEGMENTER="fast path (u2netp; for the cascade: manage.py bg_models import FILE --as isnet --dir $MODELS)"
fi
echo "segmenter: $SEGMENTER"
$PY manage.py migrate --noinput -v0
if [ -n "$PHOTOS" ]; then
  $PY manage.py load_demo_store --reset --photos "$PHOTOS"
else
  $PY manage.py load_demo_store
fi
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; echo "demo stopped"; }
trap cleanup EXIT
trap "exit 130" INT TERM  # EXIT runs cleanup once
$PY manage.py qcluster > var/worker.log 2>&1 &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload > var/server.log 2>&1 &
pids+=($!)
$PY manage.py bg_wait --timeout 900 || echo "some photos are still processing; see var/worker.log"
cat <<MSG

  Storefront: http://$HOST:$PORT/
  Admin:      http://$HOST:$PORT/admin/   (login admin / admin)
  Logs:       var/worker.log, var/server.log
  Segmenter:  $SEGMENTER

  Ctrl-C stops the worker and the server.
MSG
wait
