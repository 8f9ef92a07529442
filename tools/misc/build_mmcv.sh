#!/usr/bin/env bash
# Build an mmcv 2.1.0 wheel with compiled ops for the installed torch.
#
#   bash tools/misc/build_mmcv.sh OUTDIR      (wheel lands in OUTDIR)
#
# 10 minutes measured on 2 cores with ninja (requirements/build.txt), up to an
# hour without; MAX_JOBS defaults to nproc. Handles the traps of
# docs/design.md §8 in one place:
# * --no-build-isolation for download and build: in an isolated build torch
#   is invisible and mmcv silently builds WITHOUT mmcv._ext;
# * mmcv's setup.py imports pkg_resources: needs setuptools<81
#   (requirements/build.txt);
# * mmcv 2.1.0 forces -std=c++17; the standard is raised to the one the
#   installed torch's headers require (tools/misc/torch_cxx_std.py: C++20
#   for torch 2.14).
set -euo pipefail
OUT=${1:?usage: build_mmcv.sh OUTDIR}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY=${PYTHON:-python}
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
STD=$($PY "$ROOT/tools/misc/torch_cxx_std.py")
echo "[build_mmcv] mmcv 2.1.0 from source, -std=$STD, into $OUT"
$PY -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
  mmcv==2.1.0 -d "$SRC"
tar -xzf "$SRC"/mmcv-2.1.0.tar.gz -C "$SRC"
sed -i "s/-std=c++17/-std=$STD/g" "$SRC/mmcv-2.1.0/setup.py"
grep -q -- "-std=$STD" "$SRC/mmcv-2.1.0/setup.py" || {
  echo "[build_mmcv] could not set -std=$STD in mmcv's setup.py" >&2; exit 1; }
(cd "$SRC/mmcv-2.1.0" && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
  $PY -m pip wheel --no-build-isolation --no-deps -w "$OUT" .)
# a wheel without the compiled extension is the silent failure: refuse it
WHEEL=$(ls "$OUT"/mmcv-2.1.0-*.whl | head -n 1)
$PY - "$WHEEL" <<'PYEOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
if not any(n.startswith('mmcv/_ext') for n in names):
    sys.exit(f'{sys.argv[1]} has no mmcv/_ext: built without ops')
print(f'[build_mmcv] {sys.argv[1]} contains mmcv/_ext')
PYEOF
