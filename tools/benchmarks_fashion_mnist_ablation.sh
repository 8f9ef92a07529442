#!/usr/bin/env bash
# The Fashion-MNIST ablation of docs/ablation_fashion-mnist.md, end to end:
# pretrain the five rows (seed 0), the longer row and the two recipe-v2 rows,
# then linear-probe each checkpoint and randomly initialised backbones with
# one recipe.
#
#   bash tools/benchmarks_fashion_mnist_ablation.sh [JOBS]
#
# JOBS pretrainings run side by side (default 1), each with
# OMP_NUM_THREADS=$(( $(nproc) / JOBS )).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${1:-1}
DIR=configs/benchmarks/fashion-mnist_ablation
ROWS=(gvp-p2p-mixed-k20 gvp-p2p-fixed-k1 gvp-p2p-random-k20
      gvp-p2p-mixed-k20-raster mae)
export OMP_NUM_THREADS=$(( $(nproc) / JOBS > 0 ? $(nproc) / JOBS : 1 ))
# pretrain ROW [BUDGET] [WORK]: the config ROW_vit-tiny-p4_1xb64-BUDGET_...
# into work_dirs/ablation/WORK (default ROW), log beside it
pretrain() {
  local cfg="$DIR/$1_vit-tiny-p4_1xb64-${2:-4e-10k}_fashion-mnist.py"
  local work="work_dirs/ablation/${3:-$1}"
  python tools/train.py "$cfg" --work-dir "$work" --auto-resume >> "$work.log" 2>&1
}
mkdir -p work_dirs/ablation
for row in "${ROWS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 5; done
  pretrain "$row" &
done
wait
# the longer row: 2 epochs on all 60k images
# targets as registered parts: HOG, and a frozen teacher (the MAE row's
# backbone, finished above)
for row in gvp-hog-mixed-k20 gvp-teacher-mixed-k20; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 5; done
  pretrain "$row" &
done
wait
pretrain gvp-p2p-mixed-k20 2e-60k gvp-p2p-mixed-k20-2e-60k
# recipe v2 (lr 1.5e-3, crop 0.5-1, 2800 iterations on 60k): GVP and MAE
for row in gvp-p2p-mixed-k20 mae; do
  pretrain "$row" 2800i-60k-v2 "$row-v2"
done
python tools/analysis_tools/ablation_probe.py --work-root work_dirs/ablation \
  --out docs/ablation_fashion-mnist.json
