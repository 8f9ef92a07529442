"""Write the model index: ``configs/*/metafile.yml`` and ``model-index.yml``
(mmpretrain's format), one entry per config, with the results measured here
(``RESULTS`` below, each from the doc its entry links).

    python tools/misc/make_model_index.py

Run it after adding a config or a result; tests/test_apis.py checks that
every config is in the index. ``Weights`` stays empty until checkpoints are
published.
"""
import glob
import os
import os.path as osp

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
STUDY = 'configs/benchmarks/fashion-mnist_study'
PAPER = ('Bridging Autoregressive and Masked Modeling for Enhanced Visual '
         'Representation Learning')
LP = 'Linear probe top-1 (mask kept)'
LP_NO_MASK = 'Linear probe top-1 (no mask)'
ABLATION = 'docs/ablation_fashion-mnist.md'
# config name -> (task, dataset, metrics, doc)
RESULTS = {
    'gvp-p2p_vit-tiny-p4_1xb64-600i_fashion-mnist':
    ('Masked Image Reconstruction', 'Fashion-MNIST', {
        'One-shot masked-pixel MSE': 0.0739,
        'Group-AR masked-pixel MSE': 0.0719
    }, 'docs/generation.md'),
    'gvp-p2d_vit-tiny-p4_1xb64-600i_fashion-mnist':
    ('Self-supervised Pretraining', 'Fashion-MNIST', {
        'Final loss': 4.251
    }, 'docs/discrete_targets.md'),
    'gvp-d2d_vit-tiny-p4_1xb64-600i_fashion-mnist':
    ('Self-supervised Pretraining', 'Fashion-MNIST', {
        'Final loss': 4.605
    }, 'docs/discrete_targets.md'),
}
for _name, _top1 in {
        'gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-4e-10k': 81.84,
        'gvp-p2p-fixed-k1_vit-tiny-p4_1xb64-4e-10k': 81.17,
        'gvp-p2p-random-k20_vit-tiny-p4_1xb64-4e-10k': 81.63,
        'gvp-p2p-mixed-k20-raster_vit-tiny-p4_1xb64-4e-10k': 81.17,
        'gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-2e-60k': 81.24,
        'gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-2800i-60k-v2': 83.53,
        'mae_vit-tiny-p4_1xb64-4e-10k': 80.50,
        'mae_vit-tiny-p4_1xb64-2800i-60k-v2': 83.61,
        'gvp-hog-mixed-k20_vit-tiny-p4_1xb64-4e-10k': 81.87,
        'gvp-teacher-mixed-k20_vit-tiny-p4_1xb64-4e-10k': 81.04,
}.items():
    RESULTS[f'{_name}_fashion-mnist'] = (
        'Linear Probing', 'Fashion-MNIST',
        {LP_NO_MASK if _name.startswith('mae') else LP: _top1}, ABLATION)

# the study's headline pair, three seeds each, probed on the curves' wide C
# grid (the mean of the seeds)
CURVES_DOC = 'docs/study_curves_fashion-mnist.md'
RESULTS['gvp-p2p-mixed-k20_vit-tiny-p4_1xb64-600i_fashion-mnist'] = (
    'Linear Probing', 'Fashion-MNIST', {LP: 80.43}, CURVES_DOC)
RESULTS['mae_vit-tiny-p4_1xb64-600i_fashion-mnist'] = (
    'Linear Probing', 'Fashion-MNIST', {LP_NO_MASK: 77.03}, CURVES_DOC)

# folder -> (collection, training data, architecture, doc)
COLLECTIONS = {
    'configs/gvp': ('GVP', 'ImageNet-1k, Fashion-MNIST',
                    'ViT, two-stream attention, universal causal masks',
                    'docs/design.md'),
    'configs/benchmarks/fashion-mnist_ablation':
    ('GVP-Fashion-MNIST-ablation', 'Fashion-MNIST', 'ViT-Tiny', ABLATION),
    'configs/benchmarks/fashion-mnist_study':
    ('GVP-Fashion-MNIST-study', 'Fashion-MNIST', 'ViT-Tiny',
     'docs/study_fashion-mnist.md'),
    'configs/benchmarks/linear_probe':
    ('GVP-linear-probe', 'ImageNet-1k, Fashion-MNIST', 'ViT',
     'docs/design.md'),
    'configs/benchmarks/fine_tune':
    ('GVP-fine-tune', 'ImageNet-1k, Fashion-MNIST', 'ViT', 'docs/design.md'),
    'configs/benchmarks/upernet':
    ('GVP-UperNet', 'ADE20K', 'ViT, UperNet', 'docs/dense_transfer.md'),
    'configs/benchmarks/mask_rcnn':
    ('GVP-Mask-RCNN', 'COCO', 'ViT, SimpleFPN, Mask R-CNN',
     'docs/dense_transfer.md'),
    'configs/vqgan': ('VQGAN-tokenizer', 'ImageNet-1k, Fashion-MNIST',
                      'VQGAN', 'docs/discrete_targets.md'),
}


def entry(path: str, collection: str) -> list:
    name = osp.basename(path)[:-3]
    lines = [f'  - Name: {name}', f'    In Collection: {collection}',
             f'    Config: {path}']
    if name in RESULTS:
        task, dataset, metrics, doc = RESULTS[name]
        lines += ['    Results:', f'      - Task: {task}',
                  f'        Dataset: {dataset}', '        Metrics:']
        lines += [f'          {k}: {v}' for k, v in metrics.items()]
        lines += [f'    README: {doc}']
    else:
        lines += ['    Results: null']
    return lines + ['    Weights: null']


def main():
    os.chdir(ROOT)
    metas = []
    for folder, (name, data, arch, doc) in COLLECTIONS.items():
        lines = ['Collections:', f'  - Name: {name}', '    Metadata:',
                 f'      Training Data: {data}', '      Architecture:']
        lines += [f'        - {a.strip()}' for a in arch.split(',')]
        lines += ['    Paper:', f'      Title: {PAPER}', f'    README: {doc}',
                  '', 'Models:']
        pattern = '**/*.py' if folder in ('configs/gvp', STUDY) else '*.py'
        for path in sorted(glob.glob(f'{folder}/{pattern}', recursive=True)):
            lines += entry(path, name)
        meta = f'{folder}/metafile.yml'
        with open(meta, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        metas.append(meta)
    with open('model-index.yml', 'w') as f:
        f.write('Import:\n' + ''.join(f'  - {m}\n' for m in sorted(metas)))
    print(f'{len(metas)} metafiles and model-index.yml written')


if __name__ == '__main__':
    main()
