"""Organisations, memberships and roles."""
