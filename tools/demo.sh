#!/usr/bin/env bash
# Set up everything (the extras too) and pretrain the demo GVP (ViT-Tiny,
# Fashion-MNIST).
#
#   bash tools/demo.sh [--wheelhouse DIR] [train.py args...]
#
# Prints where the checkpoint and the logs went (work_dirs/<config name>/).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
INSTALL_ARGS=(--data --extras)  # extras: TensorBoard (--vis-backend), LPIPS, grad-cam
if [ "${1:-}" = "--wheelhouse" ]; then
  INSTALL_ARGS+=(--wheelhouse "$2")
  shift 2
fi
bash "$ROOT/tools/install.sh" "${INSTALL_ARGS[@]}"
cd "$ROOT"
exec ${PYTHON:-python} tools/train.py \
  configs/gvp/gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist.py --auto-resume "$@"
