"""The network behind the ``autoregressive`` generator: a conditional NADE.

NADE (Larochelle & Murray 2011, "The Neural Autoregressive Distribution Estimator",
AISTATS; Uria et al. 2016, JMLR 17) is the MADE (Germain et al. 2015) whose masked first
layer is shared across outputs: the hidden state used for SNP ``j`` is

    a_j = c + E_h[pop] + sum_{i<j} W[:, i] x_i          (hidden,)
    p(x_j = 1 | x_<j, pop) = sigmoid(b_j + E_o[pop]_j + V[j] . act(a_j))

so every SNP gets all ``hidden`` units, each fed by the whole prefix, where a MADE with
fewer hidden units than SNPs gives early SNPs a handful of units that each see only part
of the prefix. The prefix sums are one cumulative sum along the SNP axis, so a single
forward pass still yields every conditional (shape ``(..., hidden, n_variants)``), and
sampling costs O(hidden) per SNP. The running sum is exactly the form of the ancestry
evidence a mixture of populations accumulates along a haplotype (log-likelihood ratios
add up), which is why a few dozen units capture population structure.

:class:`PrefixSums` and :class:`PerSnpLinear` are the two layers with weights used
position by position; each has an Opacus grad sampler so DP-SGD gets exact per-sample
gradients in one pass. Inputs may carry a middle dimension (an individual's two
haplotypes, ``(batch, 2, n_variants)``): the samplers sum over it, so a "sample" is an
individual, the privacy unit.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from opacus.grad_sample import register_grad_sampler
from torch import nn


class PrefixSums(nn.Module):
    """``a[..., :, j] = bias + sum_{i<j} weight[:, i] * x[..., i]``.

    Input ``(..., n_variants)`` float; output ``(..., hidden, n_variants)``.
    """

    def __init__(self, n_variants: int, hidden: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(hidden, n_variants) / n_variants**0.5)
        self.bias = nn.Parameter(torch.zeros(hidden))

    def forward(self, haplotypes: torch.Tensor) -> torch.Tensor:
        terms = haplotypes.unsqueeze(-2) * self.weight  # (..., hidden, n_variants)
        return torch.cumsum(terms, dim=-1) - terms + self.bias.unsqueeze(-1)


@register_grad_sampler(PrefixSums)
def _prefix_sums_grad_sample(
    layer: PrefixSums, activations: list[torch.Tensor], backprops: torch.Tensor
) -> dict[nn.Parameter, torch.Tensor]:
    """d a[h, j] / d W[h, i] = x_i for i < j: the gradient at ``i`` is ``x_i`` times the
    backprop summed over later SNPs. Shapes: x ``(n, ..., D)``, backprops ``(n, ..., H, D)``."""
    haplotypes = activations[0].to(backprops.dtype)
    grads: dict[nn.Parameter, torch.Tensor] = {}
    if layer.weight.requires_grad:
        later = torch.flip(torch.cumsum(torch.flip(backprops, [-1]), -1), [-1]) - backprops
        grads[layer.weight] = torch.einsum("n...hd,n...d->nhd", later, haplotypes)
    if layer.bias.requires_grad:
        grads[layer.bias] = torch.einsum("n...hd->nh", backprops)
    return grads


class PerSnpLinear(nn.Module):
    """``y[..., j] = bias[j] + weight[j] . h[..., :, j]``: one readout per SNP.

    Input ``(..., hidden, n_variants)``; output ``(..., n_variants)``.
    """

    def __init__(self, n_variants: int, hidden: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_variants, hidden) / hidden**0.5)
        self.bias = nn.Parameter(torch.zeros(n_variants))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        # multiply-and-sum rather than einsum: einsum lowers to a batched matmul over SNPs
        # with tiny blocks, several times slower on CPU
        return (hidden * self.weight.T).sum(dim=-2) + self.bias


@register_grad_sampler(PerSnpLinear)
def _per_snp_linear_grad_sample(
    layer: PerSnpLinear, activations: list[torch.Tensor], backprops: torch.Tensor
) -> dict[nn.Parameter, torch.Tensor]:
    """Shapes: hidden ``(n, ..., H, D)``, backprops ``(n, ..., D)``."""
    hidden = activations[0].to(backprops.dtype)
    grads: dict[nn.Parameter, torch.Tensor] = {}
    if layer.weight.requires_grad:
        grads[layer.weight] = torch.einsum("n...hd,n...d->ndh", hidden, backprops)
    if layer.bias.requires_grad:
        grads[layer.bias] = torch.einsum("n...d->nd", backprops)
    return grads


ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu}


class ConditionalNADE(nn.Module):
    """Logits of ``p(x_j = 1 | x_<j, population)`` for all ``j`` in one pass.

    Parameters
    ----------
    n_variants : int
        SNPs, in the order of the autoregressive factorisation.
    hidden : int
        Hidden units shared by all SNPs.
    n_populations : int
        Conditioning labels (1 for an unconditional model).
    population_dim : int
        Size of the population embedding.
    dropout : float
        Dropout on hidden activations during training.
    activation : str
        ``sigmoid`` (NADE's), ``tanh`` or ``relu``.
    """

    def __init__(
        self,
        n_variants: int,
        *,
        hidden: int,
        n_populations: int,
        population_dim: int,
        dropout: float,
        activation: str = "sigmoid",
    ) -> None:
        super().__init__()
        self.n_variants = n_variants
        self.prefix = PrefixSums(n_variants, hidden)
        self.readout = PerSnpLinear(n_variants, hidden)
        self.population_embedding = nn.Embedding(n_populations, population_dim)
        self.population_to_hidden = nn.Linear(population_dim, hidden, bias=False)
        self.population_to_output = nn.Linear(population_dim, n_variants, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.activation = ACTIVATIONS[activation]

    def forward(self, haplotypes: torch.Tensor, populations: torch.Tensor) -> torch.Tensor:
        """Logits ``(..., n_variants)`` for haplotypes ``(..., n_variants)`` float and
        population indices ``(...)`` long."""
        context = self.population_embedding(populations)  # (..., population_dim)
        pre = self.prefix(haplotypes) + self.population_to_hidden(context).unsqueeze(-1)
        hidden = self.dropout(self.activation(pre))  # (..., hidden, n_variants)
        return self.readout(hidden) + self.population_to_output(context)  # (..., n_variants)

    @torch.no_grad()
    def sample(self, populations: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Ancestral sampling, SNP by SNP, one haplotype per population index.

        Parameters
        ----------
        populations : torch.Tensor, long, shape (n,)
        generator : torch.Generator

        Returns
        -------
        torch.Tensor, float32 of 0/1, shape (n, n_variants)
        """
        n = populations.shape[0]
        context = self.population_embedding(populations)  # (n, population_dim)
        pre = self.prefix.bias + self.population_to_hidden(context)  # (n, hidden)
        offset = self.readout.bias + self.population_to_output(context)  # (n, n_variants)
        weight_in, weight_out = self.prefix.weight, self.readout.weight
        uniforms = torch.rand(n, self.n_variants, generator=generator)
        haplotypes = torch.empty(n, self.n_variants)
        for j in range(self.n_variants):
            logit = self.activation(pre) @ weight_out[j] + offset[:, j]  # (n,)
            draw = (uniforms[:, j] < torch.sigmoid(logit)).float()
            haplotypes[:, j] = draw
            pre += draw[:, None] * weight_in[:, j]
        return haplotypes
