#!/usr/bin/env bash
# The discrete-target demo (docs/discrete_targets.md): train the small
# tokenizer on Fashion-MNIST, report its reconstructions, then pretrain
# GVP-p2d and GVP-d2d on its ids. Run after `bash tools/demo.sh` (set-up and
# data). About 7 + 8 + 8 minutes on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
TOK=configs/vqgan/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist.py
$PY tools/train.py "$TOK" --auto-resume
$PY tools/analysis_tools/tokenizer_report.py "$TOK" \
  work_dirs/vqgan-f4-256_ch32_1xb64-1500i_fashion-mnist/iter_1500.pth
for v in p2d d2d; do
  $PY tools/train.py "configs/gvp/gvp-${v}_vit-tiny-p4_1xb64-600i_fashion-mnist.py" --auto-resume
done
