"""Placeholder: ember.nn.functional is being written (issue 4)."""
