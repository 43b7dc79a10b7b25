"""The Numba world: kernels and the wrappers that step a World. Never sees GL, files or the spec."""
from scenariosim.sim.criteria import CRITERIA
from scenariosim.sim.engine import EVENT_KINDS
from scenariosim.sim.step import rollout, simulate, stack, step, variant

__all__ = ["CRITERIA", "EVENT_KINDS", "rollout", "simulate", "stack", "step", "variant"]
