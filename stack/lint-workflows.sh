#!/usr/bin/env bash
# Check the GitHub workflows with actionlint (installed by `stack/stack.sh install` where Go is).
# On CI (CI=true) a missing actionlint is an error; elsewhere it is reported and skipped.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ACTIONLINT=${SYNCSOURCE_STATE:-$ROOT/.state}/bin/actionlint
if [[ ! -x $ACTIONLINT ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "error: actionlint is not installed (stack/stack.sh install needs Go for it)" >&2
    exit 1
  fi
  echo "actionlint not installed: workflow lint skipped"
  exit 0
fi
cd "$ROOT"
"$ACTIONLINT" .github/workflows/*.yml
echo "actionlint: .github/workflows OK"
