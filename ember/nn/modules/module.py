"""Placeholder: the Module machinery is being written (issue 4)."""


class Module:
    """Placeholder."""
