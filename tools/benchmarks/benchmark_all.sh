#!/usr/bin/env bash
# Every number of docs/benchmark.md, regenerated in one go on this machine:
# the pretraining step at ViT-B/16 224 px (batch 8, 5 rounds, memory, eager
# and torch.compile, the data-loading row) and at the Fashion-MNIST demo
# size (ViT-Tiny/4 28 px, batch 64, one thread, eager and compiled), then
# the tables of docs/benchmark.md from the JSON files.
#
#   bash tools/benchmarks/benchmark_all.sh [OUT_DIR]   (default docs/benchmark)
#
# About 25 minutes on the 2-core CPU machine; run it with nothing else
# running (ratios survive noise better than times, but not everything).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-docs/benchmark}"
mkdir -p "$OUT"
BENCH=tools/analysis_tools/benchmark_pretrain.py
python "$BENCH" --size base --batch-size 8 --rounds 5 --compile \
  --out "$OUT/base_b8.json" 2>&1 | grep -v '^W[0-9]' | tee "$OUT/base_b8.txt"
python tools/analysis_tools/benchmark_data.py --step-json "$OUT/base_b8.json" \
  --out "$OUT/data.json" | tee "$OUT/data.txt"
python "$BENCH" --size demo --batch-size 64 --threads 1 --rounds 5 \
  --compile --variants vit gvp gvp-full-last gvp-unpruned gvp-p2d gvp-d2d \
  gvp-p2d-cached gvp-d2d-cached vqgan mae \
  --out "$OUT/demo_b64.json" 2>&1 | grep -v '^W[0-9]' | tee "$OUT/demo_b64.txt"
python tools/benchmarks/benchmark_report.py "$OUT" --doc docs/benchmark.md
