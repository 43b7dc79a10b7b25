"""The Numba world: kernels and the wrappers that step a World. Never sees GL, files or the spec."""
from scenariosim.sim.step import simulate, step

__all__ = ["simulate", "step"]
