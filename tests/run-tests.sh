#!/usr/bin/env bash
# Runs every test of the collection, in order: ansible-test sanity, unit tests, ansible-lint,
# integration tests. Each stage runs even when an earlier one failed; the exit status is
# non-zero when any stage failed. `make test` sets up the virtual environment and calls this.
#
#   STAGES="units lint" tests/run-tests.sh   run only some stages
#   KEEP_WORK=1 tests/run-tests.sh           keep the ansible_collections/ tree it builds
#   UNIT_CORES= tests/run-tests.sh           unit tests on the pinned ansible-core of .venv only
#
# The unit stage runs the unit and module tests on every ansible-core minor meta/runtime.yml claims:
# the one in .venv, then each "# units-core:" pin of tests/requirements.txt in its own .venv-<minor>,
# made the first time and kept (a pin change remakes it).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
case "$VENV" in /*) ;; *) VENV=$ROOT/$VENV ;; esac
export PATH="$VENV/bin:$PATH"
PY="$VENV/bin/python"
STAGES=${STAGES:-sanity units lint integration}
PYVER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test needs the collection at ansible_collections/<namespace>/<name>/: build that layout
# in a temporary directory from the files git knows (tracked, and untracked but not ignored).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pixie-preflight-test.XXXXXX")
cleanup() { [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
COLL=$WORK/ansible_collections/pixie_ops/preflight
mkdir -p "$COLL"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
     | tar --null -T - -cf -) | tar -xf - -C "$COLL"
  # ansible-test lists files through git when the collection is a git repository.
  (cd "$COLL" && git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm tree) >/dev/null
else
  tar -C "$ROOT" --exclude=./.venv --exclude=./.collections --exclude=./tests/output -cf - . | tar -xf - -C "$COLL"
fi
export ANSIBLE_COLLECTIONS_PATH="$WORK"
export PYTHONPATH="$WORK${PYTHONPATH:+:$PYTHONPATH}"
export PIXIE_PREFLIGHT_ROOT="$ROOT" PIXIE_PREFLIGHT_COLLECTION="$COLL"

# ansible-test bootstraps pip in its virtual environments with a script it downloads. Where the
# internet is unreachable, an offline stand-in may be provided: use it only when nothing is cached.
bootstrap_pip() {
  local ver cache standin
  ver=$("$PY" - <<'PY'
import re, ansible_test, os
src = open(os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
  cache="$HOME/.ansible/test/cache/get_pip_${ver//./_}.py"
  standin=${PIXIE_GET_PIP:-$ROOT/../shared/ci/ansible-test-get-pip.py}
  if [ ! -f "$cache" ] && [ -f "$standin" ]; then
    mkdir -p "$(dirname "$cache")" && cp "$standin" "$cache" && echo "using offline pip bootstrap $standin"
  fi
}

# "units-core" pins: ansible-core versions the unit tests also run on (tests/requirements.txt).
UNIT_CORES=${UNIT_CORES-$(sed -n 's/^# units-core: *//p' "$ROOT/tests/requirements.txt")}

# Unit tests on another ansible-core ($1, a pin like ansible-core==2.17.14), in .venv-<minor>.
units_on_core() {
  local pin=$1 minor venv stamp
  minor=$(printf '%s' "$pin" | sed -E 's/^[^=]*==([0-9]+\.[0-9]+).*/\1/')
  venv="$ROOT/.venv-$minor"
  stamp="$pin $(grep -E '^(pytest|hypothesis|kubernetes-validate)==' "$ROOT/tests/requirements.txt" | tr '\n' ' ')"
  if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    "$PY" -m venv "$venv" && "$venv/bin/pip" install -q $stamp && printf '%s' "$stamp" > "$venv/.installed" || return 1
  fi
  "$venv/bin/python" -c 'import ansible; print("ansible-core", ansible.__version__)' &&
    "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/unit
}

declare -a PASSED=() FAILED=()
stage() {
  local name=$1; shift
  echo; echo "=== $name: $*"
  local t0=$SECONDS
  if (cd "$COLL" && "$@"); then PASSED+=("$name"); echo "=== $name passed in $((SECONDS - t0)) s"
  else FAILED+=("$name"); echo "=== $name FAILED in $((SECONDS - t0)) s"; fi
}

for s in $STAGES; do
  case $s in
    sanity)
      bootstrap_pip
      stage sanity ansible-test sanity --requirements --python "$PYVER" --color no ;;
    units)
      stage units "$PY" -m pytest -q -p no:cacheprovider tests/unit
      for pin in $UNIT_CORES; do
        stage "units-${pin#*==}" units_on_core "$pin"
      done ;;
    lint)
      stage lint ansible-lint --profile production --offline roles playbooks ;;
    integration)
      if [ -d "$COLL/tests/integration/targets" ] && [ -n "$(ls -A "$COLL/tests/integration/targets")" ]; then
        stage integration-targets ansible-test integration --local --python "$PYVER" --color no
      fi
      if [ -d "$COLL/tests/system" ]; then
        stage integration-system "$PY" -m pytest -q -p no:cacheprovider tests/system
      fi ;;
    *) echo "unknown stage $s"; FAILED+=("$s") ;;
  esac
done

echo
echo "stages passed: ${PASSED[*]:-none}"
echo "stages failed: ${FAILED[*]:-none}"
echo "test stages: ${#PASSED[@]} passed, ${#FAILED[@]} failed"
[ ${#FAILED[@]} -eq 0 ]
