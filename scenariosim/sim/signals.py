"""Numba kernels for traffic signals: fixed-time signal states and the stop-or-go decision at a stop line.

Pure @njit functions over arrays and scalars, flags from sim.config; slow twins in tests/test_junctions_rules.py.
A group's timing (world.junctions.SignalPlan): green for t in [offset, offset + green) modulo cycle, then
yellow for ``yellow`` seconds, red for the rest of the cycle.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from scenariosim.sim.config import JIT

RED = 0
YELLOW = 1
GREEN = 2


@njit(**JIT)
def signal_states(t, offset, green, yellow, cycle):
    """The state (G,) int8 (RED, YELLOW or GREEN) of every signal group at time t [s].

    offset, green, yellow, cycle (G,) float64 [s]; any offset (negative, or beyond a cycle) and any t
    (negative, many cycles on) work: only (t − offset) modulo cycle counts.
    """
    out = np.empty(offset.shape[0], dtype=np.int8)
    signal_states_into(t, offset, green, yellow, cycle, out)
    return out


@njit(**JIT)
def signal_states_into(t, offset, green, yellow, cycle, out):
    """signal_states written into out (G,) int8, allocating nothing."""
    for g in range(offset.shape[0]):
        c = cycle[g]
        phase = (t - offset[g]) % c                 # in [0, c]: Python's modulo (c only by rounding)
        if phase >= c:
            phase = 0.0
        if phase < green[g]:
            out[g] = GREEN
        elif phase < green[g] + yellow[g]:
            out[g] = YELLOW
        else:
            out[g] = RED
    return out


@njit(**JIT)
def stop_for_signal(state, distance, speed, comfort_decel):
    """Whether a vehicle must stop at a stop line ``distance`` [m] ahead showing ``state`` (RED/YELLOW/GREEN).

    speed [m/s] ≥ 0, comfort_decel [m/s²] > 0. Red: stop. Yellow: stop only where it can comfortably,
    speed²/(2·distance) ≤ comfort_decel with distance > 0; otherwise go on through. Green: go. A line
    already behind the vehicle (distance < 0) never stops it, whatever it shows.
    """
    if distance < 0.0:
        return False
    if state == RED:
        return True
    if state == YELLOW:
        return distance > 0.0 and speed * speed <= 2.0 * comfort_decel * distance
    return False
