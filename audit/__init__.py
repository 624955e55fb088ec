"""Audit reports and release policies: the Django app around :mod:`audit.metrics`.

``python -m audit`` is the metrics' own command line (no Django involved).
"""
