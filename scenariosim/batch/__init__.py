"""Render jobs; later the local pool and Ray backend that fan them out."""
from scenariosim.batch.job import frame_schedule, render_scenario

__all__ = ["frame_schedule", "render_scenario"]
