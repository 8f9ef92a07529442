"""Benchmarks behind tools/analysis_tools/benchmark_pretrain.py (the
pretraining step of every variant side by side, :mod:`.step`) and
tools/analysis_tools/benchmark_data.py (images per second of the data
pipelines, :mod:`.data`); the variants are one table of records
(:mod:`.variants`)."""
