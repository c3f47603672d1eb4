#!/usr/bin/env bash
# Build the documentation with warnings as errors (Sphinx with MyST Markdown).
#
# Uses the Python environment that is active (or the one named by HPCQ_CI_VENV), installs
# hpcq's `docs` extra into it when Sphinx or myst-parser is missing, and builds the HTML
# site into docs/_build/html (or $1). The API reference imports hpcq, so hpcq must be
# importable there (.ci/run installs it in editable mode).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/_build/html}
start=$SECONDS

if [ -n "${HPCQ_CI_VENV:-}" ]; then
  # shellcheck disable=SC1091
  source "$HPCQ_CI_VENV/bin/activate"
fi
if ! python -c 'import sphinx, myst_parser' 2>/dev/null; then
  python -m pip install -q -e '.[docs]'
fi
python -c 'import hpcq' 2>/dev/null || python -m pip install -q -e .

rm -rf "$out" docs/_build/doctrees
HPCQ_THREADS=1 python -m sphinx -W --keep-going -b html -d docs/_build/doctrees docs "$out"
printf 'docs: built %s in %ds\n' "$out" "$((SECONDS - start))"
