#!/usr/bin/env bash
# Set up (tools/install.sh --tests --data) and run the whole test suite.
#
#   bash tools/run_tests.sh [--wheelhouse DIR] [pytest args...]
#
# The suite includes the slow end-to-end runs (train, resume, dist_train);
# `-m "not slow"` skips them. `.ci/run` calls exactly this script.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
INSTALL_ARGS=(--tests --data)
if [ "${1:-}" = "--wheelhouse" ]; then
  INSTALL_ARGS+=(--wheelhouse "$2")
  shift 2
fi
bash "$ROOT/tools/install.sh" "${INSTALL_ARGS[@]}"
cd "$ROOT"
exec ${PYTHON:-python} -m pytest "$@"
