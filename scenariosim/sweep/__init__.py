"""Sweeps: expanding a SweepSpec into runs (plan.py); later, scoring and falsification."""
