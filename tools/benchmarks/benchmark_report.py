"""The tables of docs/benchmark.md from the JSON files of
tools/benchmarks/benchmark_all.sh (tools/analysis_tools/benchmark_pretrain.py
--out), written between the doc's ``<!-- benchmark:NAME:start/end -->``
markers; the prose around them stays.

    python tools/benchmarks/benchmark_report.py OUT_DIR [--doc DOC]
"""
import argparse
import json
import os.path as osp


def _f(x, digits=2):
    return '–' if x is None else f'{x:.{digits}f}'


def step_table(res) -> str:
    rows = {r['variant']: r for r in res['rows']}
    m, a = res['machine'], res['args']
    lines = [
        f"{m['cpu']} ({m['cores']} cores), {m['threads']} thread(s), torch "
        f"{m['torch']}, {m['date']}; batch {a['batch_size']}, "
        f"{a['img_size']} px, {a['device']}, median of {a['rounds']} "
        'round-robin steps (forward + backward + AdamW)', '',
        '| variant | s/step | × time | step MB | × mem | warm-up s |',
        '| --- | --- | --- | --- | --- | --- |'
    ]
    for v, r in rows.items():
        lines.append(
            f"| `{v}`: {r['what'].split(', torch.compile')[0]} | "
            f"{r['time_s']:.3f} | **{r['time_ratio']:.2f}** | "
            f"{_f(r.get('step_mb'), 0)} | {_f(r.get('mem_ratio'))} | "
            f"{_f(r.get('warmup_s'), 0)} |")
    derived = []

    def t(v):
        return rows[v]['time_s'] if v in rows else None
    if t('gvp') and t('gvp-full-last'):
        derived.append(
            f"last-block skip: GVP without it / with it = "
            f"{t('gvp-full-last') / t('gvp'):.3f}")
    if t('gvp') and t('vqgan') and t('gvp-p2d'):
        derived.append(
            f"tokenizer paid once: p2d {t('gvp-p2d'):.2f} s vs GVP + encode "
            f"{t('gvp') + t('vqgan'):.2f} s")
    if t('vqgan'):
        per_image = 1000 * t('vqgan') / a['batch_size']
        derived.append(
            f'token-cache extraction cost: {per_image:.0f} ms per image and '
            'view (the encode alone, paid once per cached view instead of '
            'every step)')
    for v in ('vit', 'gvp'):
        if t(v) and t(v + '+compile'):
            derived.append(f"{v}: compiled / eager = "
                           f"{t(v + '+compile') / t(v):.3f}")
    if derived:
        lines += [''] + [f'- {d}' for d in derived]
    return '\n'.join(lines)


def data_table(res, data) -> str:
    import math
    if not data:
        return '(no data row in this run)'
    b = res['args']['batch_size']
    rate = {r['variant']: b / r['time_s'] for r in res['rows']}
    cols = [c for c in ('gvp', 'gvp-p2d-cached') if c in rate]
    lines = [
        f"one worker = 1 process, 1 thread; {data['images']} JPEGs of "
        f"500x375 (~{data['jpeg_kb']:.0f} kB) written by the tool", '',
        '| pipeline | img/s per worker | ' + ' | '.join(
            f'workers for `{c}` ({rate[c]:.1f} img/s)' for c in cols) + ' |',
        '| --- | --- |' + ' --- |' * len(cols)
    ]
    for r in data['rows']:
        lines.append(f"| `{r['pipeline']}`: {r['what']} | "
                     f"{r['img_per_s']:.0f} | " + ' | '.join(
                         str(math.ceil(rate[c] / r['img_per_s']))
                         for c in cols) + ' |')
    return '\n'.join(lines)


def replace(body, name, text):
    start = f'<!-- benchmark:{name}:start -->'
    end = f'<!-- benchmark:{name}:end -->'
    if start not in body:
        body += f'\n{start}\n{end}\n'
    before, rest = body.split(start, 1)
    return f'{before}{start}\n{text}\n{end}{rest.split(end, 1)[1]}'


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out_dir')
    p.add_argument('--doc', default='docs/benchmark.md')
    args = p.parse_args()
    body = open(args.doc).read() if osp.isfile(args.doc) else ''
    for name, fname in (('base', 'base_b8.json'), ('demo', 'demo_b64.json')):
        path = osp.join(args.out_dir, fname)
        if not osp.isfile(path):
            continue
        with open(path) as f:
            res = json.load(f)
        body = replace(body, name, step_table(res))
        if name == 'base':  # benchmark_data.py's file (older runs: inside)
            data = res.get('data')
            if osp.isfile(osp.join(args.out_dir, 'data.json')):
                with open(osp.join(args.out_dir, 'data.json')) as f:
                    data = json.load(f)['data']
            body = replace(body, 'data', data_table(res, data))
    with open(args.doc, 'w') as f:
        f.write(body)
    print(f'tables written into {args.doc}')


if __name__ == '__main__':
    main()
