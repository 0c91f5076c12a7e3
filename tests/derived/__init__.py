"""Tests of the derived values (snow, bins, lakes, cold chain, meters, visitors) on their own."""
