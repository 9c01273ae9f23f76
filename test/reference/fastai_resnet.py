"""fastai's vision_learner model in plain PyTorch (spec 14.1): torchvision's resnet34 cut before
its pooling, and fastai's head. Shared by the reference scripts that need the whole model."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

# ImageNet statistics, shaped for NCHW batches.
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


class ConcatPool(nn.Module):
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1)


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


def head_bn(n):
    bn = nn.BatchNorm1d(n)
    bn.weight.data.fill_(1.0)
    bn.bias.data.fill_(1e-3)
    return bn


def resnet34_with_head(n_out):
    """(torchvision resnet34, its body, fastai's head): Kaiming init on the head's linears only."""
    resnet = torchvision.models.resnet34(weights=None)
    body = nn.Sequential(*list(resnet.children())[:-2])
    head = nn.Sequential(ConcatPool(), Flatten(), head_bn(1024), nn.Dropout(0.25), nn.Linear(1024, 512, bias=False),
                         nn.ReLU(inplace=True), head_bn(512), nn.Dropout(0.5), nn.Linear(512, n_out, bias=False))
    for lin in (head[4], head[8]):
        nn.init.kaiming_normal_(lin.weight)
    return resnet, body, head
