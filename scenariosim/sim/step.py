"""Public wrappers: check a World's arrays, then call one kernel. Also batching of variants.

A World holds V variants of N agents each (V = 1 for a world built from one spec); ``stack`` makes a batch
from worlds of one scenario, ``variant`` takes one back out. ``simulate`` and ``rollout`` can split a batch's
variants among threads (``workers``): the kernels release the GIL, and each variant is run on its own, so the
results are bit for bit those of one thread.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from scenariosim.sim.config import JIT
from scenariosim.sim.criteria import CRITERIA, MIN_PET, init_criteria, post_encroachment_time, update_criteria
from scenariosim.sim.engine import run_variant, scratch
from scenariosim.world.opcodes import FOLLOW_PATH, WALK_ACROSS
from scenariosim.world.state import Clock, Events, PathTable, Program, World

__all__ = ["CRITERIA", "rollout", "simulate", "stack", "step", "variant"]

_INT_FIELDS = {"lane", "mode", "seg", "lc_profile", "lc_from", "mobil", "route", "dynamic", "path", "flags", "order",
               "step", "follow", "free"}


def variants(world: World) -> int:
    return len(world.clock.t)


def _check(world: World) -> None:
    n_total = len(world.vehicles.x)
    v = variants(world)
    if v < 1 or n_total % v:
        raise ValueError(f"{n_total} agents cannot split into {v} variants")
    for record in (world.vehicles, world.drive, world.behaviour):
        for name, arr in zip(type(record)._fields, record):
            want = np.bool_ if name == "done" else np.int64 if name in _INT_FIELDS else np.float64
            if arr.dtype != want or arr.shape != (n_total,) or not arr.flags.c_contiguous:
                raise TypeError(f"{type(record).__name__}.{name} must be a contiguous ({n_total},) "
                                f"{np.dtype(want).name} array, got {arr.shape} {arr.dtype}")
    lanes = world.lanes
    if lanes.points.ndim != 2 or lanes.points.shape[1] != 2 or lanes.start.dtype != np.int64 or \
            lanes.tangent.shape != lanes.points.shape:
        raise TypeError("LaneTable must hold (P, 2) float64 points and tangents and int64 offsets")
    lane = world.vehicles.lane
    if n_total and lane.max() >= len(lanes.start) - 1:
        raise ValueError("Vehicles.lane holds an index outside the lane table")


def _workers(workers: int | None) -> int:
    """How many threads ``workers`` asks for: a whole number ≥ 1, or None for every core this process may use."""
    if workers is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a whole number ≥ 1, or None for every core; got {workers!r}")
    return int(workers)


def _split(world: World, threads: int, run: Callable[[int, int], None]) -> None:
    """Call run(first, end) on contiguous ranges of the world's variants, one range per thread (``threads``
    from _workers; as even as can be; no more threads than variants). An error in any thread is raised here
    once all have ended."""
    nv = variants(world)
    k = max(1, min(threads, nv))
    edges = [nv * c // k for c in range(k + 1)]
    if k == 1:
        run(0, nv)
        return
    with ThreadPoolExecutor(max_workers=k, thread_name_prefix="scenariosim-sim") as pool:
        futures = [pool.submit(run, edges[c], edges[c + 1]) for c in range(k)]
    for f in futures:
        f.result()


@njit(**JIT)
def _simulate(w, dt, steps, collide, sc, first, end):
    """Run variants first … end − 1 ``steps`` steps."""
    nv = w.clock.t.shape[0]
    n = w.vehicles.x.shape[0] // nv
    none_c = np.empty(0)
    none_t = np.empty((0, 0))
    for vi in range(first, end):
        run_variant(w, vi, vi * n, vi * n + n, dt, steps, sc, collide, 0, none_c, none_t, none_t, none_t, none_t)


@njit(**JIT)
def _rollout(w, dt, steps, ego, collide, pet, crit, traj, sc, first, end):
    """Run variants first … end − 1 ``steps`` steps, folding the ego's criteria in after each; traj
    (V, steps + 1, N, 4) receives x, y, heading, speed of every agent from the initial state on (empty: not
    kept)."""
    nv = w.clock.t.shape[0]
    n = w.vehicles.x.shape[0] // nv
    veh = w.vehicles
    tx = np.empty((steps + 1, n))
    ty, th, tv = np.empty_like(tx), np.empty_like(tx), np.empty_like(tx)
    for vi in range(first, end):
        lo, hi = vi * n, vi * n + n
        c = crit[vi]
        c[:] = init_criteria()
        x, y, h, v = veh.x[lo:hi], veh.y[lo:hi], veh.heading[lo:hi], veh.speed[lo:hi]
        update_criteria(c, w.clock.t[vi], ego, x, y, h, v, veh.length[lo:hi], veh.width[lo:hi], sc.active[:n], sc.need)
        tx[0], ty[0], th[0], tv[0] = x, y, h, v
        run_variant(w, vi, lo, hi, dt, steps, sc, collide, ego, c, tx, ty, th, tv)
        if pet:
            c[MIN_PET] = post_encroachment_time(tx, ty, th, tv, veh.length[lo:hi], veh.width[lo:hi], ego, dt)
        if traj.shape[0] > 0:
            traj[vi, :, :, 0], traj[vi, :, :, 1], traj[vi, :, :, 2], traj[vi, :, :, 3] = tx, ty, th, tv


def step(world: World, dt: float, *, collide: bool = True) -> World:
    """Advance every variant of the world by dt [s] in place and return it. ``collide``: record collisions."""
    return simulate(world, dt, 1, collide=collide)


def simulate(world: World, dt: float, steps: int, *, collide: bool = True, workers: int | None = 1) -> World:
    """Advance every variant by ``steps`` steps of dt [s] in place and return it. ``workers``: threads to
    share the variants among (None: every core); the results do not depend on it."""
    _check(world)
    threads = _workers(workers)
    dt, steps, collide = float(dt), int(steps), bool(collide)
    _split(world, threads, lambda first, end: _simulate(world, dt, steps, collide, scratch(world), first, end))
    return world


def rollout(world: World, dt: float, steps: int, *, ego: int = 0, collide: bool = True,
            record: bool = False, pet: bool = True, workers: int | None = 1) -> tuple[np.ndarray, np.ndarray | None]:
    """Run every variant ``steps`` steps in one kernel call per thread, in place; returns the ego's criteria per
    variant (V, len(CRITERIA)) float64 (see docs/criteria.md; min_pet is inf without ``pet``, which costs up to
    O(T²) per agent pair) and, with ``record``, the trajectories
    (V, steps + 1, N, 4) float64: x [m], y [m], heading [rad], speed [m/s] from the initial state on.
    ``workers``: threads to share the variants among (None: every core); the results do not depend on it."""
    _check(world)
    threads = _workers(workers)                        # refused before anything is allocated or run
    nv = variants(world)
    n = len(world.vehicles.x) // nv
    if not 0 <= ego < n:
        raise ValueError(f"ego index {ego} is not an agent (0 … {n - 1})")
    crit = np.empty((nv, len(CRITERIA)))
    traj = np.empty((nv, steps + 1, n, 4) if record else (0, 0, 0, 4))
    dt, steps, ego, collide, pet = float(dt), int(steps), int(ego), bool(collide), bool(pet)
    _split(world, threads, lambda first, end: _rollout(world, dt, steps, ego, collide, pet, crit, traj,
                                                       scratch(world), first, end))
    return crit, (traj if record else None)


def stack(worlds: list[World]) -> World:
    """One batch World from worlds of one scenario (same actors and roads; any parameters). Each variant keeps
    its own walk and drive paths (they are laid end to end in one path table)."""
    first = worlds[0]
    n = len(first.vehicles.x)
    for w in worlds[1:]:
        if len(w.vehicles.x) != n or len(w.lanes.points) != len(first.lanes.points) or \
                not np.array_equal(w.lanes.points, first.lanes.points):
            raise ValueError("a batch needs variants of one scenario: same actors and roads")
    cat = lambda recs: type(recs[0])(*[np.concatenate(f) for f in zip(*recs)])     # noqa: E731
    vehicles = cat([w.vehicles for w in worlds])
    path_base = np.cumsum([0] + [len(w.paths.start) - 1 for w in worlds])
    point_base = np.cumsum([0] + [len(w.paths.points) for w in worlds])
    paths = PathTable(points=np.concatenate([w.paths.points for w in worlds]).reshape(-1, 2),
                      cum_s=np.concatenate([w.paths.cum_s for w in worlds]),
                      start=np.concatenate([w.paths.start[:-1] + point_base[k] for k, w in enumerate(worlds)]
                                           + [[point_base[-1]]]).astype(np.int64))
    drive = cat([w.drive for w in worlds])
    drive = drive._replace(order=np.concatenate([w.drive.order + k * n for k, w in enumerate(worlds)]),
                           path=np.concatenate([np.where(w.drive.path >= 0, w.drive.path + path_base[k], -1)
                                                for k, w in enumerate(worlds)]))
    uses_path = lambda p: np.isin(p.op, (FOLLOW_PATH, WALK_ACROSS))[:, None] & (np.arange(2) == 0)   # noqa: E731
    steps = np.cumsum([0] + [len(w.program.op) for w in worlds])
    progs = [w.program for w in worlds]
    conds = np.cumsum([0] + [len(p.code) for p in progs])
    program = Program(
        first=np.concatenate([p.first[:-1] + steps[k] for k, p in enumerate(progs)] + [[steps[-1]]]).astype(np.int64),
        op=np.concatenate([p.op for p in progs]), arg=np.concatenate([p.arg for p in progs]),
        iarg=np.concatenate([np.where(uses_path(p), p.iarg + path_base[k], p.iarg) for k, p in enumerate(progs)]),
        ctrl=np.concatenate([p.ctrl for p in progs]),
        carg=np.concatenate([p.carg for p in progs]),
        cond_first=np.concatenate([p.cond_first[:-1] + conds[k] for k, p in enumerate(progs)] + [[conds[-1]]]).astype(np.int64),
        code=np.concatenate([p.code for p in progs]), cval=np.concatenate([p.cval for p in progs]),
        ca=np.concatenate([p.ca for p in progs]), cb=np.concatenate([p.cb for p in progs]))
    behaviour = cat([w.behaviour for w in worlds])
    behaviour = behaviour._replace(step=np.concatenate(
        [np.where(w.behaviour.step >= 0, w.behaviour.step + steps[k], -1) for k, w in enumerate(worlds)]))
    clock = cat([w.clock for w in worlds])
    events = cat([w.events for w in worlds])
    return first._replace(vehicles=vehicles, drive=drive, behaviour=behaviour, program=program, clock=clock,
                          events=events, paths=paths)


def variant(world: World, k: int) -> World:
    """Variant k of a batch as a World of its own (copies)."""
    nv = variants(world)
    n = len(world.vehicles.x) // nv
    sl = slice(k * n, (k + 1) * n)
    take = lambda rec: type(rec)(*[np.array(f[sl]) for f in rec])                # noqa: E731
    p = world.program
    s0, s1 = p.first[k * n], p.first[(k + 1) * n]
    c0, c1 = p.cond_first[s0], p.cond_first[s1]
    program = Program(first=p.first[k * n:(k + 1) * n + 1] - s0, op=p.op[s0:s1].copy(), arg=p.arg[s0:s1].copy(),
                      iarg=p.iarg[s0:s1].copy(), ctrl=p.ctrl[s0:s1].copy(), carg=p.carg[s0:s1].copy(),
                      cond_first=p.cond_first[s0:s1 + 1] - c0, code=p.code[c0:c1].copy(),
                      cval=p.cval[c0:c1].copy(), ca=p.ca[c0:c1].copy(), cb=p.cb[c0:c1].copy())
    drive = take(world.drive)
    behaviour = take(world.behaviour)
    return world._replace(
        vehicles=take(world.vehicles), drive=drive._replace(order=drive.order - k * n),
        behaviour=behaviour._replace(step=np.where(behaviour.step >= 0, behaviour.step - s0, -1)),
        program=program, clock=Clock(*[np.array(f[k:k + 1]) for f in world.clock]),
        events=Events(*[np.array(f[k:k + 1]) for f in world.events]))

