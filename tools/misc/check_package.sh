#!/usr/bin/env bash
# Check the package as a user gets it: a fresh venv, a non-editable
# `pip install .` held to requirements/constraints.txt, then, from an empty
# folder, the Python API, `mim train gvp <demo config>`, then the linear
# probe of that checkpoint trained and evaluated with `mim train` and
# `mim test` (512 images each: a check of the tools, not of the numbers).
#
#   bash tools/misc/check_package.sh [--wheelhouse DIR] [DATA_ROOT]
#
# DATA_ROOT: Fashion-MNIST in mmpretrain's layout (default data/fashion-mnist,
# written by tools/install.sh --data). --wheelhouse: where an mmcv 2.1.0 wheel
# with compiled ops for this torch lies (else pip would build mmcv's sdist).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FIND_LINKS=()
if [ "${1:-}" = "--wheelhouse" ]; then
  FIND_LINKS=(--find-links "$(cd "$2" && pwd)"); shift 2
fi
DATA="$(cd "${1:-$ROOT/data/fashion-mnist}" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python -m venv "$TMP/venv"
PY="$TMP/venv/bin/python"
PIP=("$PY" -m pip install -q --disable-pip-version-check
     -c "$ROOT/requirements/constraints.txt" "${FIND_LINKS[@]}")
"${PIP[@]}" "setuptools<81" wheel torch torchvision
"${PIP[@]}" --only-binary mmcv "$ROOT" openmim
mkdir "$TMP/empty" && cd "$TMP/empty"
test ! -e "$TMP/venv/lib/python3"*/site-packages/gvp/.mim/configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py \
  && { echo "configs not packaged in gvp/.mim" >&2; exit 1; }
"$PY" -c "import gvp, gvp.apis as a; print(gvp.__file__); print(a.list_models('gvp*tiny*'))"
"$TMP/venv/bin/mim" train gvp gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py \
  --work-dir "$TMP/empty/work" --cfg-options train_cfg.max_iters=20 \
  default_hooks.checkpoint.interval=20 \
  train_dataloader.dataset.data_root="$DATA" train_dataloader.num_workers=0 \
  train_dataloader.persistent_workers=False custom_hooks=[]
ls "$TMP/empty/work"
test -f "$TMP/empty/work/iter_20.pth"
PROBE=vit-tiny-p4_gvp-pre_1xb256-linear-coslr-10e_fashion-mnist.py
DATA_OPTS=(train_dataloader.dataset.data_root="$DATA"
           val_dataloader.dataset.data_root="$DATA"
           test_dataloader.dataset.data_root="$DATA"
           train_dataloader.dataset.indices=512
           val_dataloader.dataset.indices=512
           test_dataloader.dataset.indices=512
           train_dataloader.num_workers=0 val_dataloader.num_workers=0
           test_dataloader.num_workers=0
           train_dataloader.persistent_workers=False
           val_dataloader.persistent_workers=False
           test_dataloader.persistent_workers=False)
"$TMP/venv/bin/mim" train gvp "$PROBE" --work-dir "$TMP/empty/probe" \
  --cfg-options train_cfg.max_epochs=1 "${DATA_OPTS[@]}" \
  model.backbone.init_cfg.checkpoint="$TMP/empty/work/iter_20.pth" \
  model.backbone.init_cfg.prefix=backbone.
"$TMP/venv/bin/mim" test gvp "$PROBE" \
  --checkpoint "$TMP/empty/probe/epoch_1.pth" --work-dir "$TMP/empty/test" \
  --cfg-options "${DATA_OPTS[@]}" | tee "$TMP/test.log"
grep -q "accuracy/top1" "$TMP/test.log" && echo "package check: OK"
