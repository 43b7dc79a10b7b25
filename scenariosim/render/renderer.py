"""Renderer: one draw call per frame writes colour, semantic class, instance and linear depth.

Vertices of the sky triangle, terrain, road, markings, sidewalks and furniture (static, uploaded once
per network) and of the vehicles (rewritten each frame) share one buffer, drawn by one program in one
call into four render targets. The depth test runs on a logarithmic depth the fragment shader writes
(see shaders/scene.frag.glsl), so layers a centimetre apart never z-fight at any range the camera's
near/far allow.
"""
from __future__ import annotations

import math
from importlib import resources
from typing import NamedTuple

import numpy as np

from scenariosim.errors import RenderError
from scenariosim.render.context import create_context
from scenariosim.render.meshes import (VEHICLE_VERTICES, VERTEX, VERTEX_ATTRIBUTES, VERTEX_FORMAT,
                                       lane_elevation, static_mesh, vehicle_mesh)
from scenariosim.roads.network import RoadNetwork
from scenariosim.sensors.camera import Camera
from scenariosim.sensors.frame import Frame
from scenariosim.spec.scenario import EnvironmentSpec
from scenariosim.taxonomy import SKY
from scenariosim.world.state import LaneTable, Vehicles, WorldInfo

#: Koschmieder: visual range V [m] ↔ extinction β = −ln(0.05) / V [1/m] (5 % contrast threshold)
KOSCHMIEDER = 2.996

#: vehicles the vertex buffer holds before it must grow
_RESERVED_VEHICLES = 64

#: sky and light colours (linear RGB)
_DAY_ZENITH, _NIGHT_ZENITH = np.array([0.08, 0.2, 0.62]), np.array([0.003, 0.004, 0.012])
_DAY_HORIZON, _SUNSET_HORIZON = np.array([0.55, 0.66, 0.85]), np.array([0.85, 0.45, 0.2])
_NIGHT_HORIZON, _SUNSET_LIGHT = np.array([0.01, 0.012, 0.025]), np.array([1.0, 0.6, 0.35])


class _Target(NamedTuple):
    channels: int            # stored per pixel
    read: int                # read back per pixel
    gl_dtype: str            # moderngl dtype: f1 = normalised byte, u1/u4 = unsigned integer, f4 = float
    dtype: type              # numpy dtype of the read-back


#: the render targets, in attachment order: colour RGBA8, class R8UI, instance R32UI, depth R32F
_TARGETS = (_Target(4, 3, "f1", np.uint8), _Target(1, 1, "u1", np.uint8),
            _Target(1, 1, "u4", np.uint32), _Target(1, 1, "f4", np.float32))


def _shader(name: str) -> str:
    return resources.files("scenariosim.render").joinpath("shaders", name).read_text()


def sun_vector(environment: EnvironmentSpec) -> np.ndarray:
    """Unit vector (3,) towards the sun, world frame: azimuth is a compass bearing (0 = +y, π/2 = +x)."""
    el, az = environment.sun.elevation, environment.sun.azimuth
    return np.array([math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el)])


def _smoothstep(e0: float, e1: float, x: float) -> float:
    t = min(max((x - e0) / (e1 - e0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def _mix(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return a + (b - a) * t


def lighting(environment: EnvironmentSpec) -> dict[str, tuple[float, ...]]:
    """Shader uniforms for the sun's elevation: sun direction, light and sky colours (linear RGB).

    ``day`` fades sky and ambient light from night (sun 6° below the horizon) to day (~15° above);
    ``high`` turns the horizon and sunlight from sunset orange to daylight white.
    """
    sun = sun_vector(environment)
    day, high = _smoothstep(-0.1, 0.25, sun[2]), _smoothstep(0.05, 0.35, sun[2])
    tint = _mix(_SUNSET_LIGHT, np.ones(3), high)
    return {
        "u_sun": tuple(sun),
        "u_sun_light": tuple(1.25 * _smoothstep(-0.05, 0.2, sun[2]) * tint),
        "u_ambient": (0.05 + 0.3 * day,) * 3,
        "u_horizon": tuple(_mix(_NIGHT_HORIZON, _mix(_SUNSET_HORIZON, _DAY_HORIZON, high), day)),
        "u_zenith": tuple(_mix(_NIGHT_ZENITH, _DAY_ZENITH, day)),
        "u_sun_glow": tuple(0.3 * day * tint),
    }


def fog_beta(environment: EnvironmentSpec) -> float:
    """Extinction coefficient β [1/m] for the environment's visual range; 0 in clear air."""
    v = environment.fog_visual_range
    return 0.0 if v is None else KOSCHMIEDER / v


def ndc_to_ray(camera: Camera) -> np.ndarray:
    """(3, 3) mapping (x_ndc, y_ndc, 1) of the GL image to the world-frame ray with unit depth
    through that point (OpenCV pixel u = (x_ndc + 1)·W/2 − ½, v = (1 − y_ndc)·H/2 − ½)."""
    w, h = camera.width, camera.height
    ndc_to_pixel = np.array([[w / 2, 0.0, w / 2 - 0.5], [0.0, -h / 2, h / 2 - 0.5], [0.0, 0.0, 1.0]])
    return camera.R.T @ np.linalg.inv(camera.K) @ ndc_to_pixel


def _mat(m: np.ndarray) -> bytes:
    """A matrix as GLSL wants it: float32, column-major."""
    return np.ascontiguousarray(m.T, dtype=np.float32).tobytes()


class Renderer:
    """Headless renderer of width × height [px] frames. It owns a GL context, makes it current
    around every GL call (several renderers may live in one process) and frees it in release()."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.static = static_mesh(None)
        self.vbo = self.vao = None
        self.ctx = create_context()
        try:
            with self.ctx:
                self._create_objects()
        except Exception:
            self.ctx.release()
            raise

    def _create_objects(self) -> None:
        ctx, size = self.ctx, (self.width, self.height)
        self.gl_renderer: str = ctx.info["GL_RENDERER"]   # e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
        self.program = ctx.program(vertex_shader=_shader("scene.vert.glsl"),
                                   fragment_shader=_shader("scene.frag.glsl"))
        self.program["u_sky_class"] = SKY
        self.targets = [ctx.renderbuffer(size, t.channels, dtype=t.gl_dtype) for t in _TARGETS]
        self.depth_buffer = ctx.depth_renderbuffer(size)
        self.fbo = ctx.framebuffer(self.targets, self.depth_buffer)
        self.staging = [bytearray(size[0] * size[1] * t.read * np.dtype(t.dtype).itemsize) for t in _TARGETS]
        self._allocate(self.static.nbytes)

    def _allocate(self, nbytes: int) -> None:
        """(Re)create the vertex buffer with room for nbytes and write the static mesh at its start."""
        for obj in (self.vao, self.vbo):
            if obj is not None:
                obj.release()
        self.vbo = self.ctx.buffer(reserve=max(nbytes, self.static.nbytes))
        self.vbo.write(self.static.tobytes())
        self.vao = self.ctx.vertex_array(self.program, [(self.vbo, VERTEX_FORMAT, *VERTEX_ATTRIBUTES)])

    def set_road(self, network: RoadNetwork) -> None:
        """Upload the static geometry of ``network`` once: sky, terrain, road, markings, sidewalks, props."""
        self.static = static_mesh(network)
        with self.ctx:
            self._allocate(self.static.nbytes + _RESERVED_VEHICLES * VEHICLE_VERTICES * VERTEX.itemsize)

    def _set_uniforms(self, environment: EnvironmentSpec, camera: Camera) -> None:
        """Camera (camera-relative projection, sky rays, optical axis, log-depth range), light and fog."""
        rotation = camera.view_matrix_gl()
        rotation[:3, 3] = 0.0
        p = self.program
        p["u_proj_rot"].write(_mat(camera.projection_matrix_gl() @ rotation))
        p["u_ndc_to_ray"].write(_mat(ndc_to_ray(camera)))
        p["u_cam_pos"] = tuple(camera.position)
        p["u_axis"] = tuple(camera.R[2])
        p["u_log_depth"] = (1.0 / camera.near, 1.0 / math.log2(camera.far / camera.near))
        for name, value in lighting(environment).items():
            p[name] = value
        p["u_fog_beta"] = fog_beta(environment)
        p["u_sky_distance"] = camera.far

    def render(self, vehicles: Vehicles, info: WorldInfo, environment: EnvironmentSpec,
               camera: Camera, time: float, lanes: LaneTable | None = None) -> Frame:
        """Draw the scene as ``camera`` sees it at ``time`` [s] into a Frame (OpenCV pixel order).

        ``lanes`` (the world's LaneTable) puts each vehicle at its lane's elevation at its arc length;
        without it vehicles stand at z = 0.
        """
        if (camera.width, camera.height) != (self.width, self.height):
            raise RenderError(f"camera is {camera.width}×{camera.height} px but the renderer is "
                              f"{self.width}×{self.height} px")
        z = None if lanes is None else lane_elevation(lanes, vehicles.lane, vehicles.s)
        moving = vehicle_mesh(vehicles, info, z)
        with self.ctx:
            if self.static.nbytes + moving.nbytes > self.vbo.size:
                self._allocate(2 * (self.static.nbytes + moving.nbytes))
            if len(moving):
                self.vbo.write(moving.tobytes(), offset=self.static.nbytes)
            self._set_uniforms(environment, camera)
            self.fbo.use()
            self.ctx.enable_only(self.ctx.DEPTH_TEST)
            self.ctx.depth_func = "<="
            self.fbo.clear(depth=1.0)          # the sky triangle then writes every pixel of every target
            self.vao.render(vertices=len(self.static) + len(moving))
            rgb, class_id, instance, depth = (self._read(i).copy() for i in range(len(_TARGETS)))
        return Frame(rgb=rgb, class_id=class_id, instance=instance, depth=depth, camera=camera, time=time)

    def _read(self, attachment: int) -> np.ndarray:
        """Render target ``attachment`` as an (H, W, 3) or (H, W) view of its staging buffer (valid
        until the next read), flipped so row 0 is the top (OpenCV order)."""
        target, staging = _TARGETS[attachment], self.staging[attachment]
        self.fbo.read_into(staging, components=target.read, attachment=attachment, dtype=target.gl_dtype)
        shape = (self.height, self.width, target.read) if target.read > 1 else (self.height, self.width)
        return np.frombuffer(staging, dtype=target.dtype).reshape(shape)[::-1]

    def release(self) -> None:
        """Free every GPU object and the context; the renderer is unusable afterwards (idempotent)."""
        if self.ctx is None:
            return
        with self.ctx:
            for obj in (self.vao, self.vbo, self.fbo, *self.targets, self.depth_buffer, self.program):
                obj.release()
        self.ctx.release()
        self.ctx = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.release()
