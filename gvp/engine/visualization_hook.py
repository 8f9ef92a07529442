"""Training pictures: reconstructions and the current masks, every N
iterations, through the runner's visualizer (local files, TensorBoard, ...)."""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from gvp.registry import HOOKS
from ..utils.views import preprocess_images
from ..visualization import mask_picture, reconstruction_grid


@HOOKS.register_module()
class GVPVisualizationHook(Hook):
    """Every ``interval`` training iterations add two images to
    ``runner.visualizer`` (whatever backends it has, e.g.
    ``LocalVisBackend`` -> ``vis_data/vis_image/*.png``,
    ``TensorboardVisBackend`` -> the event file):

    * ``gvp_reconstruction``: for ``num_images`` fixed training images (the
      first batch), original / mask / one-shot / group-AR (figure 2), on a
      fixed plan (the model's ``generation`` reveal plan, drawn with
      ``seed``);
    * ``gvp_masks``: ``M_h | M_g`` of a plan drawn by the model's own mask
      generator (figure 1), at token positions and in order z.

    The model runs in eval mode without gradients and is put back.
    """
    priority = 'LOW'

    def __init__(self,
                 interval: int = 500,
                 num_images: int = 4,
                 seed: int = 0):
        self.interval = interval
        self.num_images = num_images
        self.seed = seed
        self._inputs: Optional[torch.Tensor] = None
        self._can_generate = True
        self._active = True

    def before_train(self, runner) -> None:
        model = self._model(runner)
        self._active = hasattr(model, 'generate') and getattr(
            getattr(model, 'backbone', None), 'mask_generator',
            None) is not None
        if not self._active:
            # e.g. mmpretrain's vis_scheduler runs the config's hooks on a
            # stand-in model: nothing to draw
            runner.logger.warning(
                f'GVPVisualizationHook: {type(model).__name__} is not a GVP '
                'pretraining model; no pictures are drawn.')
            return
        self._can_generate = model.can_generate
        if not self._can_generate:
            runner.logger.warning(
                'GVPVisualizationHook: this model\'s predictions cannot be '
                'fed back (e.g. p2d, HOG or teacher targets), so no '
                'reconstructions are drawn; masks only.')
        batch = next(iter(runner.train_dataloader))
        inputs = preprocess_images(model.data_preprocessor, batch)
        self._inputs = inputs[:self.num_images]

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self._active and self.every_n_train_iters(runner, self.interval):
            self.draw(runner, runner.iter + 1)

    def draw(self, runner, step: int) -> None:
        model = self._model(runner)
        was_training = model.training
        model.eval()
        try:
            inputs = self._inputs.to(next(model.parameters()).device)
            grid = model.backbone.patch_resolution
            ranks = model.reveal_plan(
                inputs.shape[0], grid, inputs.device,
                torch.Generator(inputs.device).manual_seed(self.seed)).ranks
            picture = (
                reconstruction_grid(model, inputs, ranks)
                if self._can_generate else None)
            plan = model.backbone.mask_generator(1, grid)
            masks = mask_picture(plan.ranks[0].cpu(), plan.order[0].cpu(),
                                 model.backbone.num_cond_tokens)
        finally:
            model.train(was_training)
        if picture is not None:
            runner.visualizer.add_image(
                'gvp_reconstruction', picture, step=step)
        runner.visualizer.add_image('gvp_masks', masks, step=step)

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model
