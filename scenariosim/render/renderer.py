"""Renderer: one draw per frame writes colour, semantic class, instance, linear depth and normals.

Static geometry (sky triangle, terrain, road, markings, sidewalks, furniture) is uploaded once per
network and drawn with one call; the actors are drawn with one instanced call per template (render/actors.py),
their poses in a small per-frame instance buffer (render/instances.py). Both programs share one fragment
shader that writes all five render targets. Before that, while the sun is up, a depth-only pass draws
everything into the sun's shadow map (render/shadows.py). The depth test runs on a logarithmic depth the
fragment shader writes (see shaders/scene.frag.glsl), so layers a centimetre apart never z-fight at any
range the camera's near/far allow.
"""
from __future__ import annotations

import math
import re
from importlib import resources
from typing import NamedTuple

import numpy as np

from scenariosim.errors import RenderError
from scenariosim.render import lighting
from scenariosim.render.actors import TEMPLATE_ATTRIBUTES, TEMPLATE_FORMAT, template
from scenariosim.render.context import create_context
from scenariosim.render.furniture import lamp_position
from scenariosim.render.instances import INSTANCE, INSTANCE_ATTRIBUTES, INSTANCE_FORMAT, instance_groups
from scenariosim.render.meshes import VERTEX, VERTEX_ATTRIBUTES, VERTEX_FORMAT, lane_elevation, static_mesh
from scenariosim.render.shadows import SHADOW_EXTENT, SHADOW_SIZE, shadow_matrix
from scenariosim.roads.network import RoadNetwork
from scenariosim.sensors.camera import Camera
from scenariosim.sensors.frame import Frame
from scenariosim.spec.catalogue import ACTOR_KINDS
from scenariosim.spec.scenario import EnvironmentSpec
from scenariosim.taxonomy import BY_NAME, SKY
from scenariosim.world.state import LaneTable, Vehicles, WorldInfo

#: actors an instance buffer holds before it must grow
_RESERVED_INSTANCES = 16
#: lamps (street lights, headlights) that light a frame at night: the nearest to the camera
MAX_LAMPS = 16
#: signal groups the shader knows (u_signal)
MAX_SIGNAL_GROUPS = 64
#: a street lamp's glow while the lights are on (linear RGB)
LAMP_GLOW = (3.0, 2.7, 2.0)


class _Target(NamedTuple):
    channels: int            # stored per pixel
    read: int                # read back per pixel
    gl_dtype: str            # moderngl dtype: f1 = normalised byte, u1/u4 = unsigned integer, f2/f4 = float
    dtype: type              # numpy dtype of the read-back


#: the render targets, in attachment order: colour RGBA8, class R8UI, instance R32UI, depth R32F, normal RGBA16F
_TARGETS = (_Target(4, 3, "f1", np.uint8), _Target(1, 1, "u1", np.uint8), _Target(1, 1, "u4", np.uint32),
            _Target(1, 1, "f4", np.float32), _Target(4, 3, "f2", np.float16))


def _shader(name: str) -> str:
    """Shader source from render/shaders/, with every ``//#include FILE`` line replaced by that file."""
    folder = resources.files("scenariosim.render").joinpath("shaders")
    return re.sub(r"^//#include (\S+)$", lambda m: folder.joinpath(m.group(1)).read_text(),
                  folder.joinpath(name).read_text(), flags=re.M)


def ndc_to_ray(camera: Camera) -> np.ndarray:
    """(3, 3) mapping (x_ndc, y_ndc, 1) of the GL image to the world-frame ray with unit depth
    through that point (OpenCV pixel u = (x_ndc + 1)·W/2 − ½, v = (1 − y_ndc)·H/2 − ½)."""
    w, h = camera.width, camera.height
    ndc_to_pixel = np.array([[w / 2, 0.0, w / 2 - 0.5], [0.0, -h / 2, h / 2 - 0.5], [0.0, 0.0, 1.0]])
    return camera.R.T @ np.linalg.inv(camera.K) @ ndc_to_pixel


def _mat(m: np.ndarray) -> bytes:
    """A matrix as GLSL wants it: float32, column-major."""
    return np.ascontiguousarray(m.T, dtype=np.float32).tobytes()


class _Actors:
    """One template on the GPU: its vertices, a growing instance buffer, and a vertex array per program."""

    def __init__(self, ctx, programs, vertices: np.ndarray) -> None:
        self.ctx, self.programs, self.count = ctx, programs, len(vertices)
        self.vbo = ctx.buffer(vertices.tobytes())
        self.ibo = self.vaos = None
        self._allocate(_RESERVED_INSTANCES)

    def _allocate(self, instances: int) -> None:
        self._release_instances()
        self.ibo = self.ctx.buffer(reserve=instances * INSTANCE.itemsize)
        self.vaos = [self.ctx.vertex_array(p, [(self.vbo, TEMPLATE_FORMAT, *TEMPLATE_ATTRIBUTES),
                                               (self.ibo, INSTANCE_FORMAT, *INSTANCE_ATTRIBUTES)],
                                           skip_errors=True)          # the shadow pass reads only some
                     for p in self.programs]

    def write(self, records: np.ndarray) -> None:
        if records.nbytes > self.ibo.size:
            self._allocate(2 * len(records))
        if len(records):
            self.ibo.write(records.tobytes())

    def _release_instances(self) -> None:
        for obj in (*(self.vaos or ()), self.ibo):
            if obj is not None:
                obj.release()

    def release(self) -> None:
        self._release_instances()
        self.vbo.release()


class Renderer:
    """Headless renderer of width × height [px] frames. It owns a GL context, makes it current
    around every GL call (several renderers may live in one process) and frees it in release()."""

    def __init__(self, width: int, height: int, shadows: bool = True) -> None:
        self.width, self.height, self.shadows = width, height, shadows
        self.static = static_mesh(None)
        self.vbo = self.vao = self.shadow_vao = None
        self.actors: dict[str, _Actors] = {}
        self.street_lamps = np.zeros((0, 3))
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
        frag = _shader("scene.frag.glsl")
        self.program = ctx.program(vertex_shader=_shader("scene.vert.glsl"), fragment_shader=frag)
        self.actor_program = ctx.program(vertex_shader=_shader("actor.vert.glsl"), fragment_shader=frag)
        self.shadow_program = ctx.program(vertex_shader=_shader("shadow.vert.glsl"),
                                          fragment_shader=_shader("shadow.frag.glsl"))
        self.shadow_actor_program = ctx.program(vertex_shader=_shader("shadow_actor.vert.glsl"),
                                                fragment_shader=_shader("shadow.frag.glsl"))
        for p in (self.program, self.actor_program):
            p["u_sky_class"] = SKY
            p["u_shadow_map"] = 0
        self.actor_program["u_rider_class"] = BY_NAME["rider"].id
        self.targets = [ctx.renderbuffer(size, t.channels, dtype=t.gl_dtype) for t in _TARGETS]
        self.depth_buffer = ctx.depth_renderbuffer(size)
        self.fbo = ctx.framebuffer(self.targets, self.depth_buffer)
        self.staging = [bytearray(size[0] * size[1] * t.read * np.dtype(t.dtype).itemsize) for t in _TARGETS]
        self.shadow_map = ctx.depth_texture((SHADOW_SIZE, SHADOW_SIZE))
        self.shadow_map.compare_func = "<="
        self.shadow_map.repeat_x = self.shadow_map.repeat_y = False
        self.shadow_fbo = ctx.framebuffer(depth_attachment=self.shadow_map)
        self._allocate()

    def _allocate(self) -> None:
        """(Re)create the static vertex buffer and its vertex arrays."""
        for obj in (self.vao, self.shadow_vao, self.vbo):
            if obj is not None:
                obj.release()
        self.vbo = self.ctx.buffer(self.static.tobytes())
        self.vao = self.ctx.vertex_array(self.program, [(self.vbo, VERTEX_FORMAT, *VERTEX_ATTRIBUTES)])
        self.shadow_vao = self.ctx.vertex_array(self.shadow_program, [(self.vbo, f"3f {VERTEX.itemsize - 12}x", "in_position")])

    def set_road(self, network: RoadNetwork, lanes: LaneTable | None = None) -> None:
        """Upload the static geometry of ``network`` once: sky, terrain, road, markings, sidewalks, props.
        ``lanes`` (the world's LaneTable) tells which signal group each signal head shows."""
        self.static = static_mesh(network, None if lanes is None else lanes.signal)
        self.street_lamps = np.array([lamp_position(p) for p in network.props if p.kind == "street_light"]
                                     ).reshape(-1, 3)
        with self.ctx:
            self._allocate()

    def _template(self, key: str) -> _Actors:
        if key not in self.actors:
            if key in ACTOR_KINDS:
                vertices = template(key)
            else:
                from scenariosim.render.mesh_files import load_mesh   # trimesh only for user meshes
                vertices = load_mesh(key)
            self.actors[key] = _Actors(self.ctx, (self.actor_program, self.shadow_actor_program), vertices)
        return self.actors[key]

    def _set_uniforms(self, environment: EnvironmentSpec, camera: Camera, lamps: lighting.Lamp,
                      signals: np.ndarray | None, exposure: float) -> np.ndarray | None:
        """Camera, light, weather and shadow uniforms of both scene programs; returns the shadow
        matrix when the sun casts shadows (else None)."""
        rotation = camera.view_matrix_gl()
        rotation[:3, 3] = 0.0
        proj_rot = _mat(camera.projection_matrix_gl() @ rotation)
        sky = lighting.sky(environment)
        shadow = None
        if self.shadows and sky.sun[2] > 0.02 and float(np.max(sky.sun_light)) > 0.0:
            shadow = shadow_matrix(camera, sky.sun)
        states = np.zeros(MAX_SIGNAL_GROUPS, dtype=np.int32)
        if signals is not None:
            states[:min(len(signals), MAX_SIGNAL_GROUPS)] = signals[:MAX_SIGNAL_GROUPS]
        lamp_pos = np.zeros((MAX_LAMPS, 3), dtype=np.float32)
        lamp_dir, lamp_color = lamp_pos.copy(), lamp_pos.copy()
        lamp_cone = np.zeros((MAX_LAMPS, 2), dtype=np.float32)
        k = len(lamps.position)
        lamp_pos[:k], lamp_dir[:k], lamp_color[:k] = lamps.position - camera.position, lamps.direction, lamps.color
        lamp_cone[:k] = lamps.cone
        lights = lighting.lights_on(environment)
        self.program["u_ndc_to_ray"].write(_mat(ndc_to_ray(camera)))
        self.program["u_cam_pos"] = tuple(camera.position)
        self.program["u_lamp_glow"] = LAMP_GLOW if lights else (0.0, 0.0, 0.0)
        for p in (self.program, self.actor_program):
            p["u_proj_rot"].write(proj_rot)
            p["u_axis"] = tuple(camera.R[2])
            p["u_world_to_cam"].write(_mat(camera.R))
            p["u_log_depth"] = (1.0 / camera.near, 1.0 / math.log2(camera.far / camera.near))
            p["u_sun"], p["u_sun_light"], p["u_ambient"] = tuple(sky.sun), tuple(sky.sun_light), tuple(sky.ambient)
            p["u_horizon"], p["u_zenith"], p["u_sun_glow"] = tuple(sky.horizon), tuple(sky.zenith), tuple(sky.sun_glow)
            p["u_air_light"] = tuple(sky.air_light)
            p["u_beta"] = lighting.extinction(environment)
            p["u_sky_distance"] = camera.far
            p["u_haze_height"] = lighting.HAZE_HEIGHT
            p["u_shadows"] = shadow is not None
            p["u_shadow"].write(_mat(np.eye(4) if shadow is None else shadow))
            p["u_shadow_texel"] = SHADOW_EXTENT / SHADOW_SIZE
            p["u_lamp_count"] = k
            p["u_lamp_pos"].write(lamp_pos.tobytes())
            p["u_lamp_dir"].write(lamp_dir.tobytes())
            p["u_lamp_color"].write(lamp_color.tobytes())
            p["u_lamp_cone"].write(lamp_cone.tobytes())
            p["u_wetness"] = float(environment.wetness)
            p["u_snow"] = lighting.snow_cover(environment)
            p["u_exposure"] = float(exposure)
            p["u_signal"].write(states.tobytes())
        return shadow

    def _lamps(self, environment: EnvironmentSpec, camera: Camera, vehicles: Vehicles, info: WorldInfo,
               z: np.ndarray) -> lighting.Lamp:
        """The nearest street lamps and headlights when the lights are on; none by day."""
        if not lighting.lights_on(environment):
            return lighting.Lamp(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 2)), np.zeros((0, 3)))
        cars = np.flatnonzero([ACTOR_KINDS[k].category == "vehicle" for k in info.kinds])
        return lighting.nearest_lamps(camera.position, self.street_lamps,
                                      np.column_stack([vehicles.x[cars], vehicles.y[cars]]), z[cars],
                                      vehicles.heading[cars], vehicles.length[cars], MAX_LAMPS)

    def render(self, vehicles: Vehicles, info: WorldInfo, environment: EnvironmentSpec,
               camera: Camera, time: float, lanes: LaneTable | None = None, *, phase: np.ndarray | None = None,
               signals: np.ndarray | None = None, hide: int | None = None, exposure: float = 0.0) -> Frame:
        """Draw the scene as ``camera`` sees it at ``time`` [s] into a Frame (OpenCV pixel order).

        ``lanes`` (the world's LaneTable) puts each agent at its lane's elevation at its arc length;
        without it agents stand at z = 0. ``phase`` (N,) animates walkers' limbs (world Drive.phase),
        ``signals`` (G,) int gives each signal group's state (0 red, 1 amber, 2 green; sim.signals),
        ``hide`` is the agent carrying the camera (not drawn, but it casts its shadow) and ``exposure``
        the exposure compensation [EV].
        """
        if (camera.width, camera.height) != (self.width, self.height):
            raise RenderError(f"camera is {camera.width}×{camera.height} px but the renderer is "
                              f"{self.width}×{self.height} px")
        n = len(vehicles.x)
        z = np.zeros(n) if lanes is None else lane_elevation(lanes, vehicles.lane, vehicles.s)
        groups = instance_groups(vehicles, info, z, camera.position, phase, lighting.lights_on(environment), hide)
        lamps = self._lamps(environment, camera, vehicles, info, z)
        with self.ctx:
            actors = [(self._template(key), records, seen) for key, (records, seen) in groups.items()]
            for gpu, records, _ in actors:
                gpu.write(records)
            shadow = self._set_uniforms(environment, camera, lamps, signals, exposure)
            if shadow is not None:
                self._shadow_pass(shadow, camera, actors)
            self.fbo.use()
            self.ctx.enable_only(self.ctx.DEPTH_TEST)
            self.ctx.depth_func = "<="
            self.fbo.clear(depth=1.0)          # the sky triangle then writes every pixel of every target
            self.shadow_map.use(location=0)
            self.vao.render(vertices=len(self.static))
            for gpu, _, seen in actors:
                if seen:
                    gpu.vaos[0].render(vertices=gpu.count, instances=seen)
            rgb, class_id, instance, depth, normal = (self._read(i).copy() for i in range(len(_TARGETS)))
        return Frame(rgb=rgb, class_id=class_id, instance=instance, depth=depth, normal=normal, camera=camera,
                     time=time)

    def _shadow_pass(self, shadow: np.ndarray, camera: Camera, actors) -> None:
        """Draw the static geometry (but the sky triangle) and every actor into the sun's shadow map."""
        m = _mat(shadow)
        self.shadow_program["u_shadow"].write(m)
        self.shadow_program["u_cam_pos"] = tuple(camera.position)
        self.shadow_actor_program["u_shadow"].write(m)
        self.shadow_fbo.use()
        self.ctx.enable_only(self.ctx.DEPTH_TEST)
        self.ctx.depth_func = "<"
        self.shadow_fbo.clear(depth=1.0)
        self.ctx.polygon_offset = (2.0, 4.0)
        self.shadow_vao.render(vertices=len(self.static) - 3, first=3)
        for gpu, records, _ in actors:
            if len(records):
                gpu.vaos[1].render(vertices=gpu.count, instances=len(records))
        self.ctx.polygon_offset = (0.0, 0.0)

    def _read(self, attachment: int) -> np.ndarray:
        """Render target ``attachment`` as an (H, W, C) or (H, W) view of its staging buffer (valid
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
            for gpu in self.actors.values():
                gpu.release()
            for obj in (self.vao, self.shadow_vao, self.vbo, self.fbo, *self.targets, self.depth_buffer,
                        self.shadow_fbo, self.shadow_map, self.program, self.actor_program, self.shadow_program,
                        self.shadow_actor_program):
                obj.release()
        self.ctx.release()
        self.ctx = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.release()
