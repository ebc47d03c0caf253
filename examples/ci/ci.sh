#!/usr/bin/env bash
# The steps of the CI recipes in this folder, kept in one place so that GitHub Actions
# (github-actions.yml), GitLab CI (gitlab-ci.yml) and the test that runs them on this machine
# (tests/e2e/test_ci_recipe.py) run exactly the same commands.
#
#   examples/ci/ci.sh shard K N         the K-th of N shards: `memharness compare --shard K/N` into
#                                       $RESULTS/compare, and the Robot suites' K-th of N
#                                       (`make robot SHARD=K/N`) into $RESULTS/robot
#   examples/ci/ci.sh merge FOLDER...   the shards' results folders joined into one report
#                                       (`memharness merge`, Robot outputs through rebot) in
#                                       $RESULTS/merged, then the baseline gate: exit 1 on a regression
#
# Settings, from the environment:
#   RESULTS          where this step writes (default: results)
#   BASELINE         the baseline file the gate reads (default: examples/ci/baseline.json)
#   UPDATE_BASELINE  1: the merge step writes the baseline instead of checking it
#   COMPARE_ARGS     options for compare, e.g. "--board all --kernel-version V11.3.0,V11.1.0"
#   ROBOT            0: leave the Robot suites out (default 1)
#   and the Makefile's own variables, e.g. ROBOT_SUITES or ROBOT_OTHER_BOARDS="" (no per-board subset)
set -euo pipefail
cd "$(dirname "$0")/../.."
RESULTS=${RESULTS:-results}
BASELINE=${BASELINE:-examples/ci/baseline.json}
MEMHARNESS=${MEMHARNESS:-.venv/bin/memharness}

case "${1:-}" in
  shard)
    k=${2:?shard number}; n=${3:?shard count}
    status=0
    # shellcheck disable=SC2086  # COMPARE_ARGS is a list of options
    "$MEMHARNESS" compare ${COMPARE_ARGS:-} --shard "$k/$n" --results "$RESULTS/compare" || status=$?
    if [ "${ROBOT:-1}" != 0 ]; then
      make --no-print-directory robot SHARD="$k/$n" RESULTS="$RESULTS" || status=$((status ? status : $?))
    fi
    exit "$status"
    ;;
  merge)
    shift
    "$MEMHARNESS" merge "$@" --results "$RESULTS/merged" --baseline "$BASELINE" \
      ${UPDATE_BASELINE:+--update-baseline}
    ;;
  *)
    echo "usage: $0 shard K N | merge FOLDER..." >&2
    exit 2
    ;;
esac
