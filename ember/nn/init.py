"""Placeholder: ember.nn.init is being written (issue 4)."""
