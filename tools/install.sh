#!/usr/bin/env bash
# Install gvp and the tested stack (requirements/constraints.txt; docs/design.md §8)
# into the current Python.
#
#   bash tools/install.sh [--wheelhouse DIR] [--extras] [--tests] [--data]
#
#   --wheelhouse DIR  take mmcv 2.1.0 from a prebuilt wheel in DIR (also
#                     GVP_WHEELHOUSE=DIR); without one, mmcv is built from
#                     source with compiled ops (see README for the time).
#   --extras          also install the extras (requirements/optional.txt:
#                     TensorBoard, LPIPS).
#   --tests           also install the test requirements (with the extras).
#   --data            also install Fashion-MNIST (Debian package) and convert
#                     it to data/fashion-mnist.
#
# Idempotent: what is already installed at the pinned version is kept.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY=${PYTHON:-python}
WHEELHOUSE=${GVP_WHEELHOUSE:-}
WITH_TESTS=0
WITH_EXTRAS=0
WITH_DATA=0
while [ $# -gt 0 ]; do
  case "$1" in
    --wheelhouse) WHEELHOUSE="$2"; shift 2 ;;
    --tests) WITH_TESTS=1; shift ;;
    --extras) WITH_EXTRAS=1; shift ;;
    --data) WITH_DATA=1; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
# every install is held to the tested stack's exact versions
PIP="$PY -m pip install --disable-pip-version-check -c $ROOT/requirements/constraints.txt"
log() { echo "[install] $*"; }

# 1. torch, pinned exactly: a range that admits a newer torch pulls GBs.
$PIP -q -r "$ROOT/requirements/runtime.txt"
# 2. build tools: mmcv's setup.py imports pkg_resources (setuptools < 81).
$PIP -q -r "$ROOT/requirements/build.txt"

# 3. mmcv 2.1.0 with compiled ops.
have_mmcv_ops() {
  $PY - <<'PYEOF' 2>/dev/null
import mmcv, sys
from mmcv.ops import nms  # needs mmcv._ext
sys.exit(0 if mmcv.__version__ == '2.1.0' else 1)
PYEOF
}
if have_mmcv_ops; then
  log "mmcv 2.1.0 with compiled ops already installed"
elif [ -n "$WHEELHOUSE" ] && ls "$WHEELHOUSE"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  log "mmcv 2.1.0 from wheelhouse $WHEELHOUSE"
  # the wheel from DIR (--only-binary: never PyPI's sdist), its
  # dependencies (mmengine, addict, ...) from the index
  $PIP -q --find-links "$WHEELHOUSE" --only-binary mmcv mmcv==2.1.0
else
  # no wheel for this machine: build one (tools/misc/build_mmcv.sh handles
  # the C++ standard, pkg_resources and build-isolation traps)
  BUILT=${GVP_MMCV_BUILD_DIR:-$ROOT/build/wheels}
  bash "$ROOT/tools/misc/build_mmcv.sh" "$BUILT"
  $PIP -q --find-links "$BUILT" --only-binary mmcv mmcv==2.1.0
  log "built wheel kept in $BUILT (reuse it with --wheelhouse $BUILT)"
fi
have_mmcv_ops || { echo "mmcv installed without compiled ops" >&2; exit 1; }

# 4. the rest of the OpenMMLab stack (mmcv is already satisfied).
$PIP -q -r "$ROOT/requirements/mminstall.txt" -r "$ROOT/requirements/dense.txt"

# 5. transformers breaks mmpretrain 1.2.0's multimodal import: keep it out.
if $PY -c "import importlib.util,sys; sys.exit(importlib.util.find_spec('transformers') is None)"; then
  log "removing transformers (mmpretrain 1.2.0 breaks on recent releases)"
  $PY -m pip uninstall -y -q transformers
fi

# 6. gvp itself, editable.
$PIP -q --no-deps --no-build-isolation -e "$ROOT"
# extras: tools/misc/check_env.py checks each group only where installed
if [ "$WITH_EXTRAS" = 1 ]; then $PIP -q -r "$ROOT/requirements/optional.txt"; fi
if [ "$WITH_TESTS" = 1 ]; then $PIP -q -r "$ROOT/requirements/tests.txt"; fi

# 7. demo data: Fashion-MNIST from Debian, converted for mmpretrain.
if [ "$WITH_DATA" = 1 ]; then
  SRC_DATA=/usr/share/datasets/fashion-mnist
  if [ ! -d "$SRC_DATA" ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist
  fi
  if [ ! -f "$ROOT/data/fashion-mnist/meta/train.txt" ]; then
    $PY "$ROOT/tools/dataset_converters/fashion_mnist.py" "$SRC_DATA" \
      "$ROOT/data/fashion-mnist"
  fi
fi

$PY "$ROOT/tools/misc/check_env.py"
log "done"
