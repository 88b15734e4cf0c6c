#!/usr/bin/env bash
# Instructions per request for the desk scenarios of this tree (see count.py).
# Usage, from the tree's root: bench/instructions/run.sh [requests] [--sql FILE] [--only NAME]
# Needs valgrind and a C compiler; data from ATIENDE_DATA_DIR / ATIENDE_DATABASE_URL.
set -euo pipefail
requests=${1:-10}; shift || true
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O1 -shared -fPIC -o "$work/cgctl.so" "$here/cgctl.c"
PYTHONHASHSEED=0 valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$work/cg.out" "${PYTHON:-.venv/bin/python}" "$here/count.py" \
  --requests "$requests" --control "$work/cgctl.so" "$@" > "$work/log" 2>&1 \
  || { cat "$work/log"; exit 1; }
printf '%-28s %14s\n' scenario "M instr./req"
for dump in "$work"/cg.out.*; do
  name=$(sed -n 's/^desc: Trigger: Client Request: //p' "$dump")
  total=$(sed -n 's/^\(summary\|totals\): //p' "$dump" | head -1)
  awk -v n="$name" -v t="$total" -v r="$requests" 'BEGIN { printf "%-28s %14.2f\n", n, t / r / 1e6 }'
done
