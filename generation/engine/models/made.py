"""The network behind the ``autoregressive`` generator: a conditional MADE.

MADE (Germain et al. 2015, "MADE: Masked Autoencoder for Distribution Estimation",
ICML) turns a plain MLP into an autoregressive model by masking its weights: output
``j`` sees only inputs ``x_<j``, so one forward pass gives every conditional
``p(x_j | x_<j, population)`` and the product of them is an exact likelihood.

Degrees (MADE's ``m(k)``): input ``i`` has degree ``i``; each hidden unit gets a degree
``m`` in ``[0, n_variants - 1]`` and sees only inputs ``i < m``; a hidden unit feeds a
unit of a later layer with a degree not below its own, and output ``j`` takes hidden
units of degree ``<= j``. Degrees are spread evenly and rise with the unit index, so the
units output ``j`` depends on are a prefix of every layer: sampling SNP ``j`` only runs
that prefix (see :meth:`ConditionalMADE.sample`).

The population enters through a small embedding added to the first hidden layer (every
unit, whatever its degree, may see it) and to the output logits, so even the first SNP
depends on the population.

Mixture components: the network is evaluated once per latent component ``k`` (an
embedding added like the population's), and the haplotype's likelihood is
``sum_k pi(k | pop) prod_j p(x_j | x_<j, k, pop)``, still exact (a log-sum-exp over
components). A single autoregressive chain has to infer a haplotype's ancestry from the
SNPs it has already drawn, and when a sampled prefix looks admixed the chain drifts to
where it saw little data; drawing the component first fixes the ancestry up front, as the
latent class of a mixture of populations does, and the network models the rest (LD,
admixture, within-group structure). The input layer, the costliest part, is shared by all
components.

:class:`MaskedLinear` keeps its mask as a plain tensor (not a buffer) and has its own Opacus grad sampler,
because DP-SGD needs per-sample gradients of the masked weight, which are the plain
linear ones times the mask. Inputs may carry a middle dimension (an individual's two
haplotypes, shape ``(batch, 2, n_variants)``); the sampler sums over it, so the per-sample
gradient is the per-individual gradient, the privacy unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from opacus.grad_sample import register_grad_sampler
from torch import nn


class MaskedLinear(nn.Linear):
    """``nn.Linear`` whose weight is multiplied by a fixed 0/1 mask of the same shape."""

    def __init__(self, mask: torch.Tensor, *, bias: bool = True) -> None:
        out_features, in_features = mask.shape
        super().__init__(in_features, out_features, bias=bias)
        # A plain attribute, not a buffer: Opacus refuses trainable layers with buffers
        # (buffers are not private). The mask is a function of the architecture alone, so
        # it is rebuilt on load rather than stored.
        self.mask = mask.to(torch.float32)
        with torch.no_grad():
            # Kaiming-style scale over the connections a unit really has, not all inputs.
            fan_in = self.mask.sum(dim=1, keepdim=True).clamp(min=1.0)
            self.weight.normal_(0.0, 1.0).mul_(torch.sqrt(1.0 / fan_in)).mul_(self.mask)

    def _apply(self, fn, recurse=True):  # type: ignore[no-untyped-def]
        # Keep the mask on the weight's device and dtype through .to(), .double(), ...
        super()._apply(fn, recurse)
        self.mask = fn(self.mask)
        return self

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return F.linear(inputs, self.weight * self.mask, self.bias)


@register_grad_sampler(MaskedLinear)
def _masked_linear_grad_sample(
    layer: MaskedLinear, activations: list[torch.Tensor], backprops: torch.Tensor
) -> dict[nn.Parameter, torch.Tensor]:
    """Per-sample gradients of a masked layer: the linear ones, masked.

    ``activations[0]`` has shape ``(batch, ..., in_features)`` and ``backprops``
    ``(batch, ..., out_features)``; middle dimensions are summed over.
    """
    inputs = activations[0].to(backprops.dtype)
    grads: dict[nn.Parameter, torch.Tensor] = {}
    if layer.weight.requires_grad:
        grads[layer.weight] = torch.einsum("n...i,n...j->nij", backprops, inputs) * layer.mask
    if layer.bias is not None and layer.bias.requires_grad:
        grads[layer.bias] = torch.einsum("n...k->nk", backprops)
    return grads


class BandedDirect(nn.Module):
    """Direct connections from each of the ``window`` previous SNPs to a SNP's logit.

    ``out[..., j] = sum_l weight[l - 1, j] * x[..., j - l]`` for ``l = 1..window``: a
    banded, strictly lower-triangular ``n_variants x n_variants`` linear map stored as its
    ``(window, n_variants)`` band, so per-sample gradients under DP-SGD cost
    ``window * n_variants`` numbers per individual rather than ``n_variants ** 2``.
    """

    def __init__(self, n_variants: int, window: int) -> None:
        super().__init__()
        self.window = window
        # with no window there is nothing to learn (and nothing for Opacus to clip)
        self.weight = nn.Parameter(torch.zeros(window, n_variants), requires_grad=window > 0)

    def shifted(self, inputs: torch.Tensor, lag: int) -> torch.Tensor:
        """``inputs`` moved ``lag`` SNPs to the right, zeros in front."""
        return F.pad(inputs[..., :-lag], (lag, 0)) if lag < inputs.shape[-1] else torch.zeros_like(inputs)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        out = torch.zeros_like(inputs)
        for lag in range(1, self.window + 1):
            out = out + self.weight[lag - 1] * self.shifted(inputs, lag)
        return out


@register_grad_sampler(BandedDirect)
def _banded_direct_grad_sample(
    layer: BandedDirect, activations: list[torch.Tensor], backprops: torch.Tensor
) -> dict[nn.Parameter, torch.Tensor]:
    """Per-sample gradients of the band, middle dimensions summed over."""
    inputs = activations[0].to(backprops.dtype)
    per_lag = [
        torch.einsum("n...v,n...v->nv", backprops, layer.shifted(inputs, lag))
        for lag in range(1, layer.window + 1)
    ]
    return {layer.weight: torch.stack(per_lag, dim=1)}


def hidden_degrees(n_variants: int, n_units: int) -> torch.Tensor:
    """Evenly spread, non-decreasing degrees in ``[0, n_variants - 1]``; shape (n_units,)."""
    return torch.div(torch.arange(n_units) * n_variants, n_units, rounding_mode="floor")


class ConditionalMADE(nn.Module):
    """Mixture of masked MLPs: ``log p(x | population)`` exactly, every SNP in one pass.

    Parameters
    ----------
    n_variants : int
        SNPs, in the order of the autoregressive factorisation.
    hidden : int
        Units per hidden layer.
    layers : int
        Hidden layers (>= 1).
    n_populations : int
        Conditioning labels (1 for an unconditional model).
    population_dim : int
        Size of the population embedding.
    dropout : float
        Dropout on hidden activations during training.
    components : int
        Latent mixture components (1: a single autoregressive chain).
    direct_window : int
        Direct input-to-output connections from each of the ``direct_window`` SNPs
        before ``j`` to output ``j`` (MADE's direct connections, banded; 0: none).
        Hidden degrees are spread over the SNPs, so with fewer units than SNPs most
        outputs have no hidden unit that sees the SNP just before them; without these
        connections local LD, the strongest there is, would be lost.
    """

    def __init__(
        self,
        n_variants: int,
        *,
        hidden: int,
        layers: int,
        n_populations: int,
        population_dim: int,
        dropout: float,
        components: int = 1,
        direct_window: int = 0,
    ) -> None:
        super().__init__()
        self.n_variants = n_variants
        self.components = components
        inputs = torch.arange(n_variants)
        degrees = hidden_degrees(n_variants, hidden)
        masks = [(inputs[None, :] < degrees[:, None])]  # (hidden, n_variants)
        masks += [(degrees[None, :] <= degrees[:, None])] * (layers - 1)  # (hidden, hidden)
        self.hidden_layers = nn.ModuleList(MaskedLinear(mask) for mask in masks)
        self.output = MaskedLinear(degrees[None, :] <= inputs[:, None])  # (n_variants, hidden)
        self.direct = BandedDirect(n_variants, direct_window)
        self.population_embedding = nn.Embedding(n_populations, population_dim)
        self.population_to_hidden = nn.Linear(population_dim, hidden, bias=False)
        self.population_to_output = nn.Linear(population_dim, n_variants, bias=False)
        # per population: logits of the mixture weights pi(k | pop), shape (n_pop, components)
        self.mixture_logits = nn.Embedding(n_populations, components)
        nn.init.zeros_(self.mixture_logits.weight)
        self.component_to_hidden = nn.Embedding(components, hidden)
        self.component_to_output = nn.Embedding(components, n_variants)
        for table in (self.component_to_hidden, self.component_to_output):
            nn.init.normal_(table.weight, 0.0, 0.1 if components > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        # units output j depends on: the first prefix[j] units of every hidden layer
        self.register_buffer(
            "prefix", torch.searchsorted(degrees, inputs, right=True), persistent=False
        )

    def forward(self, haplotypes: torch.Tensor, populations: torch.Tensor) -> torch.Tensor:
        """Log-likelihood of haplotypes ``(..., n_variants)`` float given population indices
        ``(...)`` long; shape ``(...)``, in nats."""
        context = self.population_embedding(populations)  # (..., population_dim)
        components = torch.arange(self.components).expand(*populations.shape, self.components)
        hidden = (
            (self.hidden_layers[0](haplotypes) + self.population_to_hidden(context)).unsqueeze(-2)
            + self.component_to_hidden(components)
        )  # (..., components, hidden)
        hidden = self.dropout(F.relu(hidden))
        for layer in self.hidden_layers[1:]:
            hidden = self.dropout(F.relu(layer(hidden)))
        logits = (
            self.output(hidden)
            + self.direct(haplotypes).unsqueeze(-2)
            + self.population_to_output(context).unsqueeze(-2)
            + self.component_to_output(components)
        )  # (..., components, n_variants)
        per_component = -F.binary_cross_entropy_with_logits(
            logits, haplotypes.unsqueeze(-2).expand_as(logits), reduction="none"
        ).sum(-1)  # (..., components)
        weights = F.log_softmax(self.mixture_logits(populations), dim=-1)  # (..., components)
        return torch.logsumexp(per_component + weights, dim=-1)

    @torch.no_grad()
    def sample(self, populations: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Ancestral sampling, SNP by SNP, of one haplotype per population index.

        Runs in O(n * n_variants * hidden^2) rather than a full forward pass per SNP: the
        first layer's pre-activation is updated one input column at a time, and only the
        prefix of units that output ``j`` can see is evaluated.

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
        weights = torch.softmax(self.mixture_logits(populations), dim=-1)  # (n, components)
        components = torch.multinomial(weights, 1, generator=generator)[:, 0]  # (n,)
        first = self.hidden_layers[0]
        first_weight = first.weight * first.mask  # (hidden, n_variants)
        pre_activation = (
            first.bias + self.population_to_hidden(context) + self.component_to_hidden(components)
        )  # (n, hidden)
        later = [(layer.weight * layer.mask, layer.bias) for layer in self.hidden_layers[1:]]
        out_weight = self.output.weight * self.output.mask  # (n_variants, hidden)
        direct_weight = self.direct.weight  # (window, n_variants)
        out_offset = (
            self.output.bias
            + self.population_to_output(context)
            + self.component_to_output(components)
        )  # (n, n_variants)
        uniforms = torch.rand(n, self.n_variants, generator=generator)
        haplotypes = torch.zeros(n, self.n_variants)
        for j in range(self.n_variants):
            k = int(self.prefix[j])
            hidden = F.relu(pre_activation[:, :k])  # (n, k)
            for weight, bias in later:
                hidden = F.relu(hidden @ weight[:k, :k].T + bias[:k])
            logit = hidden @ out_weight[j, :k] + out_offset[:, j]  # (n,)
            draw = (uniforms[:, j] < torch.sigmoid(logit)).float()
            haplotypes[:, j] = draw
            pre_activation += draw[:, None] * first_weight[:, j]
            for lag in range(1, min(self.direct.window, self.n_variants - 1 - j) + 1):
                out_offset[:, j + lag] += draw * direct_weight[lag - 1, j + lag]
        return haplotypes


@torch.no_grad()
def initialise_as_latent_classes(
    network: ConditionalMADE,
    haplotypes: torch.Tensor,
    populations: torch.Tensor,
    *,
    iterations: int = 60,
    restarts: int = 8,
    generator: torch.Generator | None = None,
) -> None:
    """Start ``network`` as a latent class model fitted by EM: a mixture of independent SNPs.

    Each component gets its allele frequencies (``component_to_output``), each population
    its mixture weights (``mixture_logits``), and the readout of the hidden units starts
    at zero, so the untrained network *is* the mixture; training then adds the dependence
    on earlier SNPs. Without it gradient descent starts from identical components and
    rarely separates them. Uses the data directly: not for DP training.

    EM only finds a local optimum, and which one depends on the haplotypes that seed the
    components: with few components and no population labels one start in three merged
    two continental groups on the 805-SNP benchmark. So EM runs from ``restarts`` seedings
    and the fit with the highest log-likelihood is kept, the usual remedy for
    mixture models (McLachlan & Peel 2000, *Finite Mixture Models*, section 2.12).

    Parameters
    ----------
    network : ConditionalMADE
    haplotypes : torch.Tensor, float 0/1, shape (n, n_variants)
    populations : torch.Tensor, long, shape (n,)
    iterations : int
        EM iterations per start.
    restarts : int
        EM starts; the best is kept.
    generator : torch.Generator, optional
        Picks the haplotypes that seed the components.
    """
    n_populations = network.mixture_logits.num_embeddings
    best = max(
        (
            latent_class_em(haplotypes, populations, network.components, n_populations,
                            iterations=iterations, generator=generator)
            for _ in range(restarts)
        ),
        key=lambda fit: fit.log_likelihood,
    )
    base = network.output.bias  # (n_variants,)
    network.component_to_output.weight.copy_(torch.logit(best.frequencies) - base)
    network.mixture_logits.weight.copy_(best.weights.log())
    network.component_to_hidden.weight.zero_()
    network.direct.weight.zero_()
    network.output.weight.zero_()


@dataclass(frozen=True)
class LatentClassFit:
    """One EM fit: component allele frequencies, per-population weights, its objective."""

    frequencies: torch.Tensor  # (components, n_variants)
    weights: torch.Tensor  # (n_populations, components)
    log_likelihood: float  # of the haplotypes under the fit, summed


@torch.no_grad()
def latent_class_em(
    haplotypes: torch.Tensor,
    populations: torch.Tensor,
    components: int,
    n_populations: int,
    *,
    iterations: int = 60,
    generator: torch.Generator | None = None,
) -> LatentClassFit:
    """Fit a mixture of independent SNPs with per-population weights by EM, from one start."""
    n, k = haplotypes.shape[0], components
    seeds = torch.randperm(n, generator=generator)[:k]
    # seeds pulled towards 1/2, so a component is a neighbourhood, not one haplotype
    frequencies = 0.5 * haplotypes[seeds] + 0.25  # (k, n_variants)
    weights = torch.full((n_populations, k), 1.0 / k)  # (n_populations, k)
    members = F.one_hot(populations, n_populations).to(haplotypes.dtype)  # (n, n_populations)

    def joint(frequencies: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return (
            haplotypes @ frequencies.log().T + (1 - haplotypes) @ (1 - frequencies).log().T
            + weights[populations].log()
        )  # (n, k)

    for _ in range(iterations):
        responsibility = torch.softmax(joint(frequencies, weights), dim=1)
        # Beta(1, 1) and Dirichlet(1) priors: no component collapses onto a few haplotypes
        mass = responsibility.sum(0)  # (k,)
        frequencies = (responsibility.T @ haplotypes + 1.0) / (mass[:, None] + 2.0)
        weights = (members.T @ responsibility + 1.0) / (members.sum(0)[:, None] + k)
    log_likelihood = float(torch.logsumexp(joint(frequencies, weights), dim=1).sum())
    return LatentClassFit(frequencies, weights, log_likelihood)
