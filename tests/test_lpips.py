"""LPIPS from a local backbone file (tests build the net here)."""
import pytest
import torch
import torchvision

from gvp.evaluation import build_lpips


@pytest.fixture(scope='module')
def alexnet_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('lpips') / 'alexnet-local.pth'
    torch.manual_seed(0)
    torch.save(torchvision.models.alexnet().state_dict(), path)
    return str(path)


def test_lpips_loads_backbone_and_measures(alexnet_file):
    lp = build_lpips('alex', alexnet_file)
    state = torch.load(alexnet_file)
    torch.testing.assert_close(getattr(lp.model.net.slice2, '3').weight,
                               state['features.3.weight'])
    torch.testing.assert_close(getattr(lp.model.net.slice5, '10').bias,
                               state['features.10.bias'])
    x = torch.rand(3, 1, 28, 28)  # Fashion-MNIST size, one channel
    y = (x + 0.3 * torch.randn_like(x)).clamp(0, 1)
    same, diff = lp(x, x), lp(x, y)
    assert same.shape == (3, ) and torch.allclose(same, torch.zeros(3))
    assert (diff > 0).all()
    far = lp(x, 1 - x)
    assert (far > diff).all()  # more different, larger distance
    lp.train()
    assert not lp.training


def test_lpips_says_what_is_missing(tmp_path):
    with pytest.raises(ValueError, match="backbone_checkpoint=PATH"):
        build_lpips('alex', None)
    with pytest.raises(FileNotFoundError,
                       match='alexnet-owt-7be5be79.pth'):
        build_lpips('alex', str(tmp_path / 'nope.pth'))
    torch.save({'fc.weight': torch.zeros(1)}, tmp_path / 'other.pth')
    with pytest.raises(ValueError, match='not a torchvision alex'):
        build_lpips('alex', str(tmp_path / 'other.pth'))
