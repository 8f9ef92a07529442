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
pretrain() {
  local cfg="$DIR/$1_vit-tiny-p4_1xb64-4e-10k_fashion-mnist.py"
  python tools/train.py "$cfg" --work-dir "work_dirs/ablation/$1" \
    > "work_dirs/ablation/$1.log" 2>&1
}
mkdir -p work_dirs/ablation
for row in "${ROWS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 5; done
  pretrain "$row" &
done
wait
# the longer row: 2 epochs on all 60k images
python tools/train.py "$DIR/gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-2e-60k_fashion-mnist.py" \
  --work-dir work_dirs/ablation/gvp-p2p-mixed-k20-2e-60k \
  > work_dirs/ablation/gvp-p2p-mixed-k20-2e-60k.log 2>&1
# recipe v2 (lr 1.5e-3, crop 0.5-1, 2800 iterations on 60k): GVP and MAE
for row in gvp-p2p-mixed-k20 mae; do
  python tools/train.py "$DIR/${row}_vit-tiny-p4_1xb64-2800i-60k-v2_fashion-mnist.py" \
    --work-dir "work_dirs/ablation/$row-v2" > "work_dirs/ablation/$row-v2.log" 2>&1
done
python tools/analysis_tools/ablation_probe.py --work-root work_dirs/ablation \
  --out docs/ablation_fashion-mnist.json
