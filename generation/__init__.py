"""Generator runs: the Django app around :mod:`generation.engine` (which knows no Django).

``python -m generation`` is the engine's own command line (no Django involved).
"""
