#!/usr/bin/env bash
# Installs the Python test doubles from PyPI into the venv .tools/py (ignored by git), pinned:
# `standardwebhooks` verifies every webhook delivery in tests/receivers/webhooks.py. Skips what
# is already there at the pinned version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

STANDARDWEBHOOKS=1.1.0
VENV=.tools/py

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-venv
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/python" -m pip show standardwebhooks 2>/dev/null | sed -n 's/^Version: //p')" != "$STANDARDWEBHOOKS" ]; then
  "$VENV/bin/python" -m pip install -q "standardwebhooks==$STANDARDWEBHOOKS"
fi
echo "python tools: standardwebhooks $STANDARDWEBHOOKS in $VENV"
