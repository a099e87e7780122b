"""Tests of ember.nn.modules."""
