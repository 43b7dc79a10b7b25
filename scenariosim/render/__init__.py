"""Headless rendering (the ONLY moderngl user): one pass writes colour, class, instance and depth."""
from scenariosim.render.renderer import Renderer

__all__ = ["Renderer"]
