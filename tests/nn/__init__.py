"""Tests of ember.nn (a package so module basenames may repeat those in tests/_ops)."""
