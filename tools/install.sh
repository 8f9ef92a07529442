#!/usr/bin/env bash
# Install gvp and its pinned stack (DESIGN §8) into the current Python.
#
#   bash tools/install.sh [--wheelhouse DIR] [--tests] [--data]
#
#   --wheelhouse DIR  take mmcv 2.1.0 from a prebuilt wheel in DIR (also
#                     GVP_WHEELHOUSE=DIR); without one, mmcv is built from
#                     source with compiled ops (about an hour on 2 cores).
#   --tests           also install the test requirements.
#   --data            also install Fashion-MNIST (Debian package) and convert
#                     it to data/fashion-mnist.
#
# Idempotent: what is already installed at the pinned version is kept.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY=${PYTHON:-python}
WHEELHOUSE=${GVP_WHEELHOUSE:-}
WITH_TESTS=0
WITH_DATA=0
while [ $# -gt 0 ]; do
  case "$1" in
    --wheelhouse) WHEELHOUSE="$2"; shift 2 ;;
    --tests) WITH_TESTS=1; shift ;;
    --data) WITH_DATA=1; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
PIP="$PY -m pip install --disable-pip-version-check"
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
  $PIP -q --no-index --find-links "$WHEELHOUSE" mmcv==2.1.0
else
  STD=$($PY "$ROOT/tools/misc/torch_cxx_std.py")
  log "building mmcv 2.1.0 from source with -std=$STD (about an hour on 2 cores)"
  SRC=$(mktemp -d)
  # --no-build-isolation everywhere: in an isolated build torch is invisible
  # and mmcv silently installs WITHOUT mmcv._ext.
  $PY -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
    mmcv==2.1.0 -d "$SRC"
  tar -xzf "$SRC"/mmcv-2.1.0.tar.gz -C "$SRC"
  # mmcv 2.1.0 forces -std=c++17; torch 2.14's headers need C++20.
  sed -i "s/-std=c++17/-std=$STD/g" "$SRC/mmcv-2.1.0/setup.py"
  (cd "$SRC/mmcv-2.1.0" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    $PY -m pip wheel --no-build-isolation --no-deps -w "$SRC/dist" .)
  $PIP -q --no-deps "$SRC"/dist/mmcv-2.1.0-*.whl
  log "built wheel kept at $SRC/dist (reuse it with --wheelhouse)"
fi
have_mmcv_ops || { echo "mmcv installed without compiled ops" >&2; exit 1; }

# 4. the rest of the OpenMMLab stack (mmcv is already satisfied).
$PIP -q -r "$ROOT/requirements/mminstall.txt"

# 5. transformers breaks mmpretrain 1.2.0's multimodal import: keep it out.
if $PY -c "import importlib.util,sys; sys.exit(importlib.util.find_spec('transformers') is None)"; then
  log "removing transformers (mmpretrain 1.2.0 breaks on recent releases)"
  $PY -m pip uninstall -y -q transformers
fi

# 6. gvp itself, editable.
$PIP -q --no-deps --no-build-isolation -e "$ROOT"
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
