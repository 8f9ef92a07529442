#!/usr/bin/env bash
# The checks only a CUDA GPU can run, in one go (under 5 minutes on one
# GPU): the CUDA tests (plans and masks on the device, the two-stream step
# on the device equal to the CPU's, a bf16 autocast step close to fp32),
# then the pretraining benchmark at batch 64 with bf16 autocast, printing
# the ratios to a plain ViT-B step.
#
#   bash tools/misc/device_check.sh [OUT_DIR]
#
# Needs the installed stack (tools/install.sh); writes OUT_DIR/
# (default work_dirs/device_check): pytest.log, benchmark.json, benchmark.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-work_dirs/device_check}"
mkdir -p "$OUT"
python - <<'PY'
import torch
assert torch.cuda.is_available(), 'no CUDA device visible to torch'
print('device:', torch.cuda.get_device_name(0), '| torch', torch.__version__,
      '| CUDA', torch.version.cuda)
PY
python -m pytest -n 0 -m cuda tests/test_cuda.py -v 2>&1 | tee "$OUT/pytest.log"
python tools/analysis_tools/benchmark_pretrain.py --device cuda --amp \
  --batch-size 64 --rounds 3 \
  --variants vit gvp gvp-full-last gvp-unpruned gvp-p2d gvp-d2d gvp-p2d-cached \
  gvp-d2d-cached vqgan mae --compile \
  --out "$OUT/benchmark.json" 2>&1 | tee "$OUT/benchmark.txt"
