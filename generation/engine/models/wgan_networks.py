"""The networks of the convolutional WGAN (Yelmen et al. 2023), sized to any window.

The generator quadruples the sequence length per stage (two stride-2 transposed
convolutions), from ``latent_length`` to ``4**k * latent_length - 1``; the critic
mirrors it. The authors fix ``k`` (7 stages for 65,535 SNPs, 6 for 10K SNPs padded to
16,383); :func:`n_stages` picks the smallest ``k`` that covers a window.

References
----------
.. [1] Yelmen B, Decelle A, Boulos LL, Szatkownik A, Furtlehner C, Charpiat G, Jay F
   (2023). Deep convolutional and conditional neural networks for large-scale genomic
   data generation. PLOS Computational Biology 19(10): e1011584.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def n_stages(n_variants: int, latent_length: int) -> int:
    """Upsampling stages (each x4) needed so that ``4**k * latent_length - 1 >= n_variants``.

    Examples
    --------
    >>> n_stages(805, 4), n_stages(10_000, 4), n_stages(65_535, 4)
    (4, 6, 7)
    """
    return max(2, math.ceil(math.log((n_variants + 1) / latent_length, 4)))


def padded_length(stages: int, latent_length: int) -> int:
    """Length the networks work on; windows are zero-padded to it and outputs cropped.

    >>> padded_length(6, 4)
    16383
    """
    return 4**stages * latent_length - 1


def _up_block(
    in_channels: int, widths: tuple[int, int, int, int], first_padding: int, slope: float
) -> nn.Sequential:
    """conv, transposed conv (x2), conv, transposed conv (x2); BatchNorm and LeakyReLU."""
    w1, w2, w3, w4 = widths
    return nn.Sequential(
        nn.Conv1d(in_channels, w1, 3, stride=1, padding=1, bias=False),
        nn.BatchNorm1d(w1),
        nn.LeakyReLU(slope),
        nn.ConvTranspose1d(w1, w2, 3, stride=2, padding=first_padding, bias=False),
        nn.BatchNorm1d(w2),
        nn.LeakyReLU(slope),
        nn.Conv1d(w2, w3, 3, stride=1, padding=1, bias=False),
        nn.BatchNorm1d(w3),
        nn.LeakyReLU(slope),
        nn.ConvTranspose1d(w3, w4, 3, stride=2, padding=0, bias=False),
        nn.BatchNorm1d(w4),
        nn.LeakyReLU(slope),
    )


def _down_block(
    in_channels: int, widths: tuple[int, int, int, int], last_padding: int, slope: float
) -> nn.Sequential:
    """conv, strided conv (/2), conv, strided conv (/2); InstanceNorm and LeakyReLU."""
    w1, w2, w3, w4 = widths
    return nn.Sequential(
        nn.Conv1d(in_channels, w1, 3, stride=1, padding=1),
        nn.InstanceNorm1d(w1, affine=True),
        nn.LeakyReLU(slope),
        nn.Conv1d(w1, w2, 3, stride=2, padding=0),
        nn.InstanceNorm1d(w2, affine=True),
        nn.LeakyReLU(slope),
        nn.Conv1d(w2, w3, 3, stride=1, padding=1),
        nn.InstanceNorm1d(w3, affine=True),
        nn.LeakyReLU(slope),
        nn.Conv1d(w3, w4, 3, stride=2, padding=last_padding),
        nn.InstanceNorm1d(w4, affine=True),
        nn.LeakyReLU(slope),
    )


def _residual_block(
    channels: int, norm: type[nn.Module], slope: float, bias: bool
) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(2):
        layers.append(nn.Conv1d(channels, channels, 3, stride=1, padding=1, bias=bias))
        layers.append(norm(channels, affine=True) if norm is nn.InstanceNorm1d else norm(channels))
        layers.append(nn.LeakyReLU(slope))
    return nn.Sequential(*layers)


def _location_variables(lengths: list[int]) -> nn.ParameterList:
    """Trainable per-position rows, one extra input channel per block: they let the
    convolutions, which share weights along the genome, learn position-specific
    behaviour (the paper's location-specific variables)."""
    return nn.ParameterList(nn.Parameter(torch.randn(1, 1, length)) for length in lengths)


class ConvGenerator(nn.Module):
    """Noise (B, noise_dim, L0) -> allele logits (B, 1, 4**K * L0 - 1).

    Widths are multiples of ``channels`` that shrink by 2 per layer and 8 per stage,
    ending at 6 before the last stage, as in the authors' ``models_65K.py``.
    """

    def __init__(
        self, stages: int, *, channels: int, latent_length: int, noise_dim: int, slope: float
    ) -> None:
        super().__init__()
        c, L0, noise = channels, latent_length, noise_dim
        self.stages = stages
        self.noise_lengths = [4**k * L0 - 1 for k in range(1, stages)]
        self.location = _location_variables([L0, *self.noise_lengths, 4**stages * L0 - 1])
        # Widths shrink by 2c per layer, 8c per stage, ending at 6c before the last stage.
        mult = [8 * (stages - 2 - k) + 6 for k in range(stages - 1)]
        blocks = [
            _up_block(
                noise + 1,
                (c * (mult[0] + 6), c * (mult[0] + 4), c * (mult[0] + 2), c * mult[0]),
                1,
                slope,
            )
        ]
        for k in range(1, stages - 1):
            m = mult[k - 1]
            blocks.append(
                _up_block(
                    c * m + noise + 1,
                    (c * (m - 2), c * (m - 4), c * (m - 6), c * (m - 8)),
                    0,
                    slope,
                )
            )
        out_width = max(1, c // 2)
        blocks.append(_up_block(c * 6 + noise + 1, (c * 4, c * 2, c, out_width), 0, slope))
        self.blocks = nn.ModuleList(blocks)
        self.residual = nn.ModuleDict(
            {
                str(k): _residual_block(c * mult[k], nn.BatchNorm1d, slope, bias=False)
                for k in range(1, stages - 1, 2)
            }
        )
        self.output = nn.Conv1d(out_width + 1, 1, 3, stride=1, padding=1)
        # Per-SNP logit offset, started at the training allele log-odds (see the notes).
        self.output_bias = nn.Parameter(torch.zeros(1, 1, 4**stages * L0 - 1))

    def forward(self, latent: torch.Tensor, noises: list[torch.Tensor]) -> torch.Tensor:
        batch = latent.shape[0]
        x = torch.cat([self.location[0].expand(batch, -1, -1), latent], 1)
        x = self.blocks[0](x)
        for k in range(1, self.stages):
            x = torch.cat([noises[k - 1], self.location[k].expand(batch, -1, -1), x], 1)
            x = self.blocks[k](x)
            if str(k) in self.residual:
                x = x + self.residual[str(k)](x)
        x = torch.cat([self.location[self.stages].expand(batch, -1, -1), x], 1)
        return self.output(x) + self.output_bias  # (B, 1, L)


class ConvCritic(nn.Module):
    """Packed haplotypes (B, pack, 4**K * L0 - 1) -> one score per packed item (B,).

    Mirrors :class:`ConvGenerator` with strided convolutions and instance normalisation.
    """

    def __init__(
        self, stages: int, *, channels: int, latent_length: int, pack: int, slope: float
    ) -> None:
        super().__init__()
        c, L0 = channels, latent_length
        self.location = _location_variables([4 ** (stages - j) * L0 - 1 for j in range(stages)])
        blocks = [_down_block(pack + 1, (c, 2 * c, 4 * c, 6 * c), 0, slope)]
        for j in range(1, stages - 1):
            m = 8 * j - 2
            blocks.append(
                _down_block(
                    c * m + 1, (c * (m + 2), c * (m + 4), c * (m + 6), c * (m + 8)), 0, slope
                )
            )
        m = 8 * (stages - 1) - 2
        blocks.append(_down_block(c * m + 1, (c * (m + 2), c * (m + 4), c * (m + 6), 1), 1, slope))
        self.blocks = nn.ModuleList(blocks)
        self.residual = nn.ModuleDict(
            {
                str(j): _residual_block(c * (8 * j + 6), nn.InstanceNorm1d, slope, bias=True)
                for j in range(0, stages - 1, 2)
            }
        )
        self.score = nn.Linear(L0, 1)

    def forward(self, packed: torch.Tensor) -> torch.Tensor:
        batch = packed.shape[0]
        x = packed
        for j, block in enumerate(self.blocks):
            x = block(torch.cat([self.location[j].expand(batch, -1, -1), x], 1))
            if str(j) in self.residual:
                x = x + self.residual[str(j)](x)
        return self.score(x).view(batch)  # (B,)
