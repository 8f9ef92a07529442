"""What a resumed run takes from its checkpoint instead of its config, said
in one warning; and the way to change the lr on resume.

mmengine's ``Runner.resume`` loads the optimizer state (each group's ``lr``
and ``initial_lr``) and the schedulers' state (``base_lrs``, ``T_max``,
``end``, ...) over what the config built, so ``--cfg-options
optim_wrapper.optimizer.lr=...`` on a resume silently does nothing.
:func:`resume_overrides` names every such value; :func:`reset_lr` (the
checkpoint hook's ``reset_lr_on_resume=True``, ``tools/train.py
--reset-lr``) rewrites the loaded checkpoint before mmengine applies it:
lr and schedule from the config, the position along it (``last_step``),
the weights and the optimizer moments from the checkpoint. Both run in
``after_load_checkpoint``, which mmengine calls before it loads the
optimizer and scheduler state.
"""
from typing import List

# scheduler state that is the position along the schedule, not its shape
_POSITION = ('last_step', '_last_lr', '_global_step',
             '_get_lr_called_within_step', 'last_epoch')


def _schedulers(runner) -> list:
    scheds = runner.param_schedulers or []
    if isinstance(scheds, dict):
        return [s for group in scheds.values() for s in group]
    return list(scheds)


def _ckpt_schedulers(checkpoint) -> list:
    states = checkpoint.get('param_schedulers') or []
    if isinstance(states, dict):
        return [s for group in states.values() for s in group]
    return list(states)


def _shape(state: dict) -> dict:
    return {k: v for k, v in state.items()
            if k not in _POSITION and not k.startswith('_')
            and k != 'optimizer'}


def resume_overrides(runner, checkpoint) -> List[str]:
    """``'name checkpoint-value (config config-value)'`` for each config
    value the checkpoint overrides on resume."""
    out = []
    groups = checkpoint.get('optimizer', {}).get('param_groups', [])
    mine = getattr(runner.optim_wrapper, 'param_groups', [])
    for i, (old, new) in enumerate(zip(groups, mine)):
        a = old.get('initial_lr', old['lr'])
        b = new.get('initial_lr', new['lr'])
        if abs(a - b) > 1e-12 * max(abs(a), abs(b)):
            out.append(f'optimizer lr {a:g} (config {b:g})' +
                       (f' in param group {i}' if i else ''))
            break  # one group says it; layer-wise groups follow it
    for i, (sched, old) in enumerate(zip(_schedulers(runner),
                                         _ckpt_schedulers(checkpoint))):
        new = _shape(sched.state_dict())
        for k, v in _shape(old).items():
            if k in new and new[k] != v:
                out.append(f'param_scheduler[{i}] {type(sched).__name__}.'
                           f'{k} {v} (config {new[k]})')
    return out


def reset_lr(runner, checkpoint) -> None:
    """Rewrite ``checkpoint`` so that resuming it takes the config's lr and
    schedule: each group's lr scaled by config / checkpoint base lr, each
    scheduler's state from the config except its position."""
    groups = checkpoint.get('optimizer', {}).get('param_groups', [])
    mine = getattr(runner.optim_wrapper, 'param_groups', [])
    ratios = []
    for old, new in zip(groups, mine):
        base_old = old.get('initial_lr', old['lr'])
        base_new = new.get('initial_lr', new['lr'])
        ratio = base_new / base_old if base_old else 1.0
        old['lr'] = old['lr'] * ratio
        old['initial_lr'] = base_new
        ratios.append(ratio)
    states = checkpoint.get('param_schedulers')
    flat_old = _ckpt_schedulers(checkpoint)
    merged = []
    for sched, old in zip(_schedulers(runner), flat_old):
        state = sched.state_dict()
        for k in _POSITION:
            if k in old:
                state[k] = old[k]
        if '_last_lr' in old and ratios:
            state['_last_lr'] = [lr * r for lr, r in zip(old['_last_lr'],
                                                         ratios)]
        merged.append(state)
    if isinstance(states, dict):
        it = iter(merged)
        checkpoint['param_schedulers'] = {
            name: [next(it) for _ in group] for name, group in states.items()}
    elif states is not None:
        checkpoint['param_schedulers'] = merged
