"""Tests of the care domain logic."""
