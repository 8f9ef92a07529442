# Runtime shared by every gvp config (mmpretrain's defaults, gvp scope).
default_scope = 'gvp'
# Config.fromfile imports gvp: mmpretrain's / mmengine's own tools
# (vis_scheduler, ...) then find gvp's registered parts in these configs
custom_imports = dict(imports=['gvp'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # atomic files, rotation after the save, no NaN weights, RNG states
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # stop at the first non-finite loss / grad norm, before anything is saved
    non_finite=dict(type='NonFiniteCheckHook'),
    # empty dataset, missing files, image shape vs model: before step 1
    data_check=dict(type='DataCheckHook'),
    # each rank's progress, to name a hung rank when a collective times out
    heartbeat=dict(type='RankHeartbeatHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo when no GPU is present; a collective
    # that waits longer than `timeout` seconds ends the job (torch: 30 min)
    dist_cfg=dict(backend='nccl', timeout=600),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, diff_rank_seed=True)
