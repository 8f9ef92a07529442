"""Data loading: images per second of one worker (1 process, 1 thread) for
the ImageNet pretraining pipeline with each JPEG decoder that imports, and
for the token-cache pipelines; with a step benchmark's result, the workers
one device needs (:mod:`gvp.benchmark.data`).

    python tools/analysis_tools/benchmark_data.py [--img-size 224]
        [--step-json docs/benchmark/base_b8.json] [--gpu-img-per-s N]
        [--data-dir work_dirs/benchmark_data] [--out data.json]
"""
import argparse
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def main():
    from gvp.benchmark.data import demand_of, measure, print_data
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--img-size', type=int, default=224)
    p.add_argument('--images', type=int, default=64,
                   help='JPEGs written and read (500x375, ~ImageNet size)')
    p.add_argument('--data-dir', default='work_dirs/benchmark_data',
                   help='where the JPEGs and the token cache are written')
    p.add_argument('--step-json', help='a benchmark_pretrain.py --out file: '
                   'also the workers its gvp / gvp-p2d-cached steps need')
    p.add_argument('--gpu-img-per-s', type=float,
                   help='also the workers needed at this image rate')
    p.add_argument('--out', help='write the results as json')
    args = p.parse_args()
    data = measure(args.data_dir, args.img_size, args.images)
    print_data(data, demand_of(args.step_json, args.gpu_img_per_s))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(data=data), f, indent=2)


if __name__ == '__main__':
    main()
