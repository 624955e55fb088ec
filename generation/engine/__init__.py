"""Generative models of haplotypes: pure PyTorch and Opacus, no Django, with its own CLI.

Importing this package is cheap; torch is imported by the model modules only.
"""
