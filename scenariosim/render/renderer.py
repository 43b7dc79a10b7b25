"""Renderer: one draw of the scene per frame writes semantic class, instance, linear depth, normals and
the surfaces' albedo; one shading pass then lights every pixel once into the colour image.

Static geometry (sky triangle, terrain, road, markings, sidewalks, furniture) is uploaded once per
network and drawn with one call; the actors are drawn with one instanced call per template (render/actors.py),
their poses in a small per-frame instance buffer (render/instances.py). Both programs share one fragment
shader (shaders/surface.frag.glsl) that writes the surface targets (the static mesh's through a geometry
shader, shaders/plane.geom.glsl, that gives it each triangle's plane for exact depth); a full-screen pass
(shaders/shade.frag.glsl) lights them (deferred shading: fragments hidden behind others are never lit).
Before that, while the sun is up, a depth-only pass draws the shadow casters into the sun's shadow map
(render/shadows.py). The depth test runs on a logarithmic depth the surface shader writes, so layers a
centimetre apart never z-fight at any range the camera's near/far allow.
"""
from __future__ import annotations

import dataclasses
import math
import re
from importlib import resources
from typing import NamedTuple

import numpy as np

from scenariosim.errors import RenderError
from scenariosim.render import lighting
from scenariosim.render.actors import TEMPLATE_ATTRIBUTES, TEMPLATE_FORMAT, TEMPLATE_VERTEX, box_template, template
from scenariosim.render.context import GL_VERSION_FULL, create_context
from scenariosim.render.furniture import lamp_position
from scenariosim.render.geometry import ASPHALT, GROUND, shared_vertices
from scenariosim.render.instances import (INSTANCE, INSTANCE_ATTRIBUTES, INSTANCE_FORMAT, in_shadow_map, in_view,
                                          instance_groups, pixel_radius, vehicle_mask)
from scenariosim.render.elevation import StandingHeight
from scenariosim.render.meshes import VERTEX, VERTEX_ATTRIBUTES, VERTEX_FORMAT, static_mesh
from scenariosim.render.shadows import SHADOW_EXTENT, SHADOW_SIZE, shadow_centre, shadow_matrix
from scenariosim.roads.network import RoadNetwork
from scenariosim.sensors.camera import Camera
from scenariosim.sensors.frame import Coverage, Frame
from scenariosim.spec.catalogue import ACTOR_KINDS
from scenariosim.spec.scenario import EnvironmentSpec
from scenariosim.taxonomy import BY_NAME, SKY
from scenariosim.world.state import LaneTable, Vehicles, WorldInfo

#: actors an instance buffer holds before it must grow
_RESERVED_INSTANCES = 16
#: actors whose image is smaller than this radius [px] are drawn as boxes (actors.box_template)
LOD_PIXELS = 2.0
#: lamps (street lights, headlights) that light a frame at night: the nearest to the camera
MAX_LAMPS = 16
#: signal groups the shader knows (u_signal; shaders/surface.frag.glsl has the same number)
MAX_SIGNAL_GROUPS = 256
#: a street lamp's glow while the lights are on (linear RGB)
LAMP_GLOW = (3.0, 2.7, 2.0)


class _Target(NamedTuple):
    channels: int            # stored per pixel
    read: int                # read back per pixel
    gl_dtype: str            # moderngl dtype: f1 = normalised byte, u1/u4 = unsigned integer, f2/f4 = float
    dtype: type              # numpy dtype of the read-back
    sampled: bool            # a texture the shading pass reads (else a renderbuffer)


#: the surface pass's targets, in attachment order: surface (albedo, kind) RGBA16F, class R8UI,
#: instance R32UI, depth R32F, normal RGBA16F; then the shading pass's colour RGBA8
_SURFACE = (_Target(4, 0, "f2", np.float16, True), _Target(1, 1, "u1", np.uint8, False),
            _Target(1, 1, "u4", np.uint32, True), _Target(1, 1, "f4", np.float32, True),
            _Target(4, 3, "f2", np.float16, True))
_COLOR = _Target(4, 3, "f1", np.uint8, False)
#: what a Frame gets, in its field order: (framebuffer 0 = surface, 1 = colour; attachment; target)
_READS = ((1, 0, _COLOR), (0, 1, _SURFACE[1]), (0, 2, _SURFACE[2]), (0, 3, _SURFACE[3]), (0, 4, _SURFACE[4]))
#: slots (actors) one coverage pass counts at once: bits per pixel (coverage.frag.glsl WORDS · 32)
COVERAGE_SLOTS = 64
#: the coverage image extends the drawn image by this fraction of its size on every side: an actor's
#: pixels beyond the image are counted that far out (its truncation is exact within it, a lower bound beyond)
COVERAGE_MARGIN = 0.5

#: the key of the distant actors' box template (no actor kind or mesh path looks like it)
_BOX = "<box>"
#: the shading pass's triangle, covering the screen (NDC)
_SCREEN = np.array([[-1.0, -1.0], [3.0, -1.0], [-1.0, 3.0]], dtype=np.float32)


def _shader(name: str, defines: tuple[str, ...] = ()) -> str:
    """Shader source from render/shaders/, with every ``//#include FILE`` line replaced by that file and
    a ``#define`` after the #version line for each of ``defines``."""
    folder = resources.files("scenariosim.render").joinpath("shaders")
    source = re.sub(r"^//#include (\S+)$", lambda m: folder.joinpath(m.group(1)).read_text(),
                    folder.joinpath(name).read_text(), flags=re.M)
    version, _, rest = source.partition("\n")
    return "\n".join([version, *(f"#define {d}" for d in defines), rest])


def _set(program, name: str, value) -> None:
    """Set a uniform the program uses (a shader variant may have compiled it away)."""
    uniform = program.get(name, None)
    if uniform is None:
        return
    if isinstance(value, (bytes, bytearray)):
        uniform.write(value)
    else:
        uniform.value = value


def _pixel_to_ray(camera: Camera) -> np.ndarray:
    """(3, 3) mapping OpenCV pixel (u, v, 1) to the world-frame ray with unit optical depth through it."""
    return camera.R.T @ np.linalg.inv(camera.K)


def ndc_to_ray(camera: Camera) -> np.ndarray:
    """(3, 3) mapping (x_ndc, y_ndc, 1) of the GL image to the world-frame ray with unit depth
    through that point (OpenCV pixel u = (x_ndc + 1)·W/2 − ½, v = (1 − y_ndc)·H/2 − ½)."""
    w, h = camera.width, camera.height
    ndc_to_pixel = np.array([[w / 2, 0.0, w / 2 - 0.5], [0.0, -h / 2, h / 2 - 0.5], [0.0, 0.0, 1.0]])
    return _pixel_to_ray(camera) @ ndc_to_pixel


def frag_to_ray(camera: Camera) -> np.ndarray:
    """(3, 3) mapping (x, y, 1) of a GL window position (gl_FragCoord: y up, pixel centres at half
    integers) to the world-frame ray with unit optical depth through it (OpenCV pixel u = x − ½,
    v = H − ½ − y)."""
    window_to_pixel = np.array([[1.0, 0.0, -0.5], [0.0, -1.0, camera.height - 0.5], [0.0, 0.0, 1.0]])
    return _pixel_to_ray(camera) @ window_to_pixel


def _mat(m: np.ndarray) -> bytes:
    """A matrix as GLSL wants it: float32, column-major."""
    return np.ascontiguousarray(m.T, dtype=np.float32).tobytes()


def _proj_rot(camera: Camera) -> bytes:
    """u_proj_rot of ``camera``: projection · world→eye rotation (positions come camera-relative)."""
    rotation = camera.view_matrix_gl()
    rotation[:3, 3] = 0.0
    return _mat(camera.projection_matrix_gl() @ rotation)


class _Actors:
    """One template on the GPU and, per program (surface pass, shadow pass, coverage pass), a growing
    instance buffer and a vertex array. draw(k, records) draws those instances with program k.

    The template is drawn indexed: the surface pass shares vertices equal in every attribute, the shadow
    and coverage passes (which read only the pose) those equal in position and swing; a software
    rasteriser, whose vertex stage is single-threaded, then poses a vertex once instead of once per corner."""

    def __init__(self, ctx, programs, vertices: np.ndarray, closed: bool) -> None:
        self.ctx, self.programs = ctx, programs
        self.closed = closed          # a closed mesh wound counter-clockwise outside: back faces may be culled
        self.count = len(vertices)    # corners: 3 · triangles
        self.meshes = []              # (vertex buffer, index buffer): all attributes, the pose alone
        for fields in (TEMPLATE_VERTEX.names, ("position", "swing")):
            unique, indices = shared_vertices(vertices, fields)
            self.meshes.append((ctx.buffer(unique.tobytes()), ctx.buffer(indices.tobytes())))
        self.ibos: list = [None] * len(programs)
        self.vaos: list = [None] * len(programs)
        for k, program in enumerate(programs):
            if program is not None:                   # (the coverage program needs OpenGL 4.3)
                self._allocate(k, _RESERVED_INSTANCES)

    def _allocate(self, k: int, instances: int) -> None:
        self._release(k)
        self.ibos[k] = self.ctx.buffer(reserve=instances * INSTANCE.itemsize)
        vbo, indices = self.meshes[0 if k == 0 else 1]     # the surface pass reads every attribute
        self.vaos[k] = self.ctx.vertex_array(self.programs[k], [(vbo, TEMPLATE_FORMAT, *TEMPLATE_ATTRIBUTES),
                                                                (self.ibos[k], INSTANCE_FORMAT, *INSTANCE_ATTRIBUTES)],
                                             index_buffer=indices, index_element_size=4,
                                             skip_errors=True)          # the shadow pass reads only some

    def draw(self, k: int, records: np.ndarray) -> None:
        if not len(records):
            return
        if records.nbytes > self.ibos[k].size:
            self._allocate(k, 2 * len(records))
        self.ibos[k].write(records.tobytes())
        self.vaos[k].render(vertices=self.count, instances=len(records))

    def _release(self, k: int) -> None:
        for obj in (self.vaos[k], self.ibos[k]):
            if obj is not None:
                obj.release()

    def release(self) -> None:
        for k in range(len(self.programs)):
            self._release(k)
        for buffers in self.meshes:
            for buffer in buffers:
                buffer.release()


class Renderer:
    """Headless renderer of width × height [px] frames. It owns a GL context, makes it current
    around every GL call (several renderers may live in one process) and frees it in release()."""

    def __init__(self, width: int, height: int, shadows: bool = True) -> None:
        self.width, self.height, self.shadows = width, height, shadows
        self.static = static_mesh(None)
        self.casters_first = len(self.static)
        self.vbo = self.vao = self.shadow_vao = None
        self.actors: dict[str, _Actors] = {}
        self.street_lamps = np.zeros((0, 3))
        self.standing = StandingHeight(None)
        self.last_sky: tuple[EnvironmentSpec, lighting.Sky] | None = None   # the last environment and its sky
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
                                   geometry_shader=_shader("plane.geom.glsl"),
                                   fragment_shader=_shader("surface.frag.glsl", ("PLANE_DEPTH",)))
        self.actor_program = ctx.program(vertex_shader=_shader("actor.vert.glsl"),
                                         fragment_shader=_shader("surface.frag.glsl"))
        self.shade_programs: dict[tuple[str, ...], tuple] = {}    # features → (program, vertex array)
        self.sky_program = ctx.program(vertex_shader=_shader("sky.vert.glsl"), fragment_shader=_shader("sky.frag.glsl"))
        self.coverage_program = None                  # GL 4.3, made with the first actor template
        self.coverage_buffers: dict[str, object] = {}
        self.sky_program["u_sky_class"] = SKY
        self.shadow_program = ctx.program(vertex_shader=_shader("shadow.vert.glsl"),
                                          fragment_shader=_shader("shadow.frag.glsl"))
        self.shadow_actor_program = ctx.program(vertex_shader=_shader("shadow_actor.vert.glsl"),
                                                fragment_shader=_shader("shadow.frag.glsl"))
        self.actor_program["u_rider_class"] = BY_NAME["rider"].id
        self.targets = [(ctx.texture if t.sampled else ctx.renderbuffer)(size, t.channels, dtype=t.gl_dtype)
                        for t in _SURFACE]
        self.depth_buffer = ctx.depth_renderbuffer(size)
        self.fbo = ctx.framebuffer(self.targets, self.depth_buffer)
        self.color = ctx.renderbuffer(size, _COLOR.channels, dtype=_COLOR.gl_dtype)
        self.color_fbo = ctx.framebuffer([self.color])
        self.screen = ctx.buffer(_SCREEN.tobytes())
        self.sky_vao = ctx.vertex_array(self.sky_program, [(self.screen, "2f", "in_ndc")])
        self.staging = [bytearray(size[0] * size[1] * t.read * np.dtype(t.dtype).itemsize) for _, _, t in _READS]
        # two shadow maps: the static casters' (kept while its square and the sun stay) and the actors'
        self.shadow_maps = [ctx.depth_texture((SHADOW_SIZE, SHADOW_SIZE)) for _ in range(2)]
        for tex in self.shadow_maps:
            tex.compare_func = "<="
            tex.repeat_x = tex.repeat_y = False
        self.shadow_fbos = [ctx.framebuffer(depth_attachment=tex) for tex in self.shadow_maps]
        self.static_shadow_key = None
        self.static_key = 0                  # counts set_road calls: the static shadow map's network
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
        if lanes is not None and len(lanes.signal) and int(lanes.signal.max()) >= MAX_SIGNAL_GROUPS:
            raise RenderError(f"the roads have {int(lanes.signal.max()) + 1} signal groups; the renderer shows at "
                              f"most {MAX_SIGNAL_GROUPS}")
        self.static = static_mesh(network, None if lanes is None else lanes.signal)
        # terrain, road and paint come first (after the sky triangle): they receive shadows but cast none
        ground = np.isin(self.static["material"][3:], (GROUND, ASPHALT))
        self.casters_first = 3 + (int(np.argmin(ground)) if not ground.all() else len(ground))
        self.street_lamps = np.array([lamp_position(p) for p in network.props if p.kind == "street_light"]
                                     ).reshape(-1, 3)
        self.standing = StandingHeight(network)
        self.static_key += 1
        with self.ctx:
            self._allocate()

    def _template(self, key: str) -> _Actors:
        if key not in self.actors:
            if key == _BOX:
                vertices = box_template()
            elif key in ACTOR_KINDS:
                vertices = template(key)
            else:
                from scenariosim.render.mesh_files import load_mesh   # trimesh only for user meshes
                vertices = load_mesh(key)
            programs = (self.actor_program, self.shadow_actor_program, self._coverage_program())
            self.actors[key] = _Actors(self.ctx, programs, vertices,
                                       closed=key in ACTOR_KINDS)     # user meshes may wind either way
        return self.actors[key]

    def _coverage_program(self):
        """The coverage pass's program (None where the driver lacks OpenGL 4.3 for its atomic counters)."""
        if self.coverage_program is None and self.ctx.version_code >= GL_VERSION_FULL:
            self.coverage_program = self.ctx.program(vertex_shader=_shader("coverage.vert.glsl"),
                                                     fragment_shader=_shader("coverage.frag.glsl"))
        return self.coverage_program

    def _shade_program(self, features: tuple[str, ...]):
        """The shading program and its vertex array compiled for ``features`` (shade.frag.glsl defines)."""
        if features not in self.shade_programs:
            program = self.ctx.program(vertex_shader=_shader("shade.vert.glsl"),
                                       fragment_shader=_shader("shade.frag.glsl", features))
            for name, unit in (("u_shadow_map", 0), ("u_surface", 1), ("u_depth", 2), ("u_normal", 3),
                               ("u_actor_shadow_map", 4)):
                _set(program, name, unit)
            self.shade_programs[features] = (program, self.ctx.vertex_array(program, [(self.screen, "2f", "in_ndc")]))
        return self.shade_programs[features]

    def _set_uniforms(self, environment: EnvironmentSpec, camera: Camera, lamps: lighting.Lamp, lights: bool,
                      signals: np.ndarray | None, exposure: float):
        """Camera uniforms of the surface programs; light, weather and shadow uniforms of the shading
        program for the features in use. Returns (shadow matrix or None when the sun casts no shadows,
        the shading vertex array)."""
        proj_rot = _proj_rot(camera)
        if self.last_sky is None or self.last_sky[0] != environment:
            self.last_sky = (environment, lighting.sky(environment))
        sky = self.last_sky[1]
        position = camera.position
        shadow = None
        if self.shadows and float(np.max(sky.sun_light)) > 0.0:          # the sun is up
            shadow = shadow_matrix(camera, sky.sun)
        states = np.zeros(MAX_SIGNAL_GROUPS, dtype=np.int32)
        if signals is not None:
            states[:min(len(signals), MAX_SIGNAL_GROUPS)] = signals[:MAX_SIGNAL_GROUPS]
        lamp_pos = np.zeros((MAX_LAMPS, 3), dtype=np.float32)
        lamp_dir, lamp_color = lamp_pos.copy(), lamp_pos.copy()
        lamp_cone = np.zeros((MAX_LAMPS, 2), dtype=np.float32)
        k = len(lamps.position)
        lamp_pos[:k], lamp_dir[:k], lamp_color[:k] = lamps.position - position, lamps.direction, lamps.color
        lamp_cone[:k] = lamps.cone
        beta, snow = lighting.extinction(environment), lighting.snow_cover(environment)
        features = tuple(name for name, on in (
            ("SHADOWS", shadow is not None), ("LAMPS", k > 0), ("WET", environment.wetness > 0), ("SNOW", snow > 0),
            ("HAZE", beta > 0), ("GLARE", float(np.max(sky.sun_glow)) > 0), ("EXPOSURE", exposure != 0)) if on)
        program, vao = self._shade_program(features)
        to_ray, frag_ray, world_to_cam = _mat(ndc_to_ray(camera)), _mat(frag_to_ray(camera)), _mat(camera.R)
        self.program["u_cam_pos"] = tuple(position)
        self.program["u_lamp_glow"] = LAMP_GLOW if lights else (0.0, 0.0, 0.0)
        for p in (self.program, self.actor_program):
            p["u_proj_rot"].write(proj_rot)
            p["u_axis"] = tuple(camera.R[2])
            p["u_world_to_cam"].write(world_to_cam)
            _set(p, "u_frag_to_ray", frag_ray)               # the static mesh's program only
            p["u_log_depth"] = (1.0 / camera.near, 1.0 / math.log2(camera.far / camera.near))
            _set(p, "u_signal", states.tobytes())
        uniforms = {
            "u_ndc_to_ray": to_ray, "u_world_to_cam": world_to_cam, "u_sun": tuple(sky.sun),
            "u_sun_light": tuple(sky.sun_light), "u_ambient": tuple(sky.ambient), "u_horizon": tuple(sky.horizon),
            "u_zenith": tuple(sky.zenith), "u_sun_glow": tuple(sky.sun_glow), "u_air_light": tuple(sky.air_light),
            "u_beta": beta, "u_sky_distance": camera.far, "u_haze_height": lighting.HAZE_HEIGHT,
            "u_shadow": _mat(np.eye(4) if shadow is None else shadow), "u_shadow_texel": SHADOW_EXTENT / SHADOW_SIZE,
            "u_lamp_count": k, "u_lamp_pos": lamp_pos.tobytes(), "u_lamp_dir": lamp_dir.tobytes(),
            "u_lamp_color": lamp_color.tobytes(), "u_lamp_cone": lamp_cone.tobytes(),
            "u_wetness": float(environment.wetness), "u_snow": snow, "u_exposure": float(exposure)}
        for name, value in uniforms.items():
            _set(program, name, value)
        return shadow, vao

    def _lamps(self, lights: bool, camera: Camera, vehicles: Vehicles, info: WorldInfo,
               z: np.ndarray) -> lighting.Lamp:
        """The nearest street lamps and headlights when the lights are on; none by day."""
        if not lights:
            return lighting.Lamp(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 2)), np.zeros((0, 3)))
        cars = np.flatnonzero(vehicle_mask(info.kinds))
        return lighting.nearest_lamps(camera.position, self.street_lamps,
                                      np.column_stack([vehicles.x[cars], vehicles.y[cars]]), z[cars],
                                      vehicles.heading[cars], vehicles.length[cars], MAX_LAMPS)

    def render(self, vehicles: Vehicles, info: WorldInfo, environment: EnvironmentSpec,
               camera: Camera, time: float, lanes: LaneTable | None = None, *, phase: np.ndarray | None = None,
               signals: np.ndarray | None = None, hide: int | None = None, exposure: float = 0.0,
               coverage: bool = False, footprint: np.ndarray | None = None) -> Frame:
        """Draw the scene as ``camera`` sees it at ``time`` [s] into a Frame (OpenCV pixel order).

        ``lanes`` (the world's LaneTable) puts each vehicle at its lane's elevation at its arc length
        (without it at z = 0); pedestrians and cyclists stand on the ground, on the kerb on a sidewalk
        (elevation.StandingHeight). ``phase`` (N,) animates walkers' limbs (world Drive.phase),
        ``signals`` (G,) int gives each signal group's state (0 red, 1 amber, 2 green; sim.signals),
        ``hide`` is the agent carrying the camera (not drawn, but it casts its shadow) and ``exposure``
        the exposure compensation [EV]. ``coverage`` adds Frame.coverage: for every actor in view, the
        pixels it shows, would cover inside the image if nothing hid it, and would cover in all (the image
        plus COVERAGE_MARGIN of it on every side), and who hides whom (needs OpenGL 4.3). ``footprint``
        (H, W) bool limits "inside the image" to the drawn pixels a lens maps into the camera's own image.
        """
        if (camera.width, camera.height) != (self.width, self.height):
            raise RenderError(f"camera is {camera.width}×{camera.height} px but the renderer is "
                              f"{self.width}×{self.height} px")
        z = self.standing(lanes, vehicles, info.kinds)
        lights = lighting.lights_on(environment)
        groups = instance_groups(vehicles, info, z, camera.position, phase, lights)
        lamps = self._lamps(lights, camera, vehicles, info, z)
        with self.ctx:
            actors = [(self._template(key), records, agents) for key, (records, agents) in groups.items()]
            shadow, shade_vao = self._set_uniforms(environment, camera, lamps, lights, signals, exposure)
            if shadow is not None:
                self._shadow_pass(shadow, camera, actors)
            self.fbo.use()
            self.ctx.enable_only(self.ctx.DEPTH_TEST)
            self.ctx.depth_func = "<="
            self.fbo.clear(depth=1.0)          # the sky, drawn last, writes every pixel left
            self.vao.render(vertices=len(self.static) - 3, first=3)       # all but the sky triangle
            for gpu, records in self._drawn(actors, camera, camera, hide):
                if gpu.closed:                        # skip the faces turned away (half the triangles)
                    self.ctx.enable(self.ctx.CULL_FACE)
                gpu.draw(0, records)
                self.ctx.disable(self.ctx.CULL_FACE)
            self.ctx.depth_mask = False
            self.sky_vao.render(vertices=3)                                 # where nothing else is
            self.ctx.depth_mask = True
            self.color_fbo.use()
            self.ctx.disable(self.ctx.DEPTH_TEST)
            self.shadow_maps[0].use(location=0)
            self.shadow_maps[1].use(location=4)
            for unit, attachment in ((1, 0), (2, 3), (3, 4)):
                self.targets[attachment].use(location=unit)
            shade_vao.render(vertices=3)
            rgb, class_id, instance, depth, normal = (self._read(i).copy() for i in range(len(_READS)))
            counted = self._coverage(camera, actors, hide, instance, footprint) if coverage else None
        return Frame(rgb=rgb, class_id=class_id, instance=instance, depth=depth, normal=normal, camera=camera,
                     time=time, coverage=counted)

    def _drawn(self, actors, view: Camera, camera: Camera, hide: int | None) -> list[tuple[_Actors, np.ndarray]]:
        """The actors' instances to draw, per template: those whose bounding sphere reaches into ``view``,
        but agent ``hide``; those smaller than LOD_PIXELS in ``camera``'s image go, all together, to the box
        template (last). Templates left with nothing are left out."""
        if not actors:
            return []
        records = np.concatenate([records for _, records, _ in actors])     # template order
        agents = np.concatenate([agents for _, _, agents in actors])
        seen = in_view(records, view) & (agents != hide)
        small = seen & (pixel_radius(records, camera) < LOD_PIXELS)
        near = seen & ~small
        drawn, start = [], 0
        for gpu, some, _ in actors:
            stop = start + len(some)
            if near[start:stop].any():
                drawn.append((gpu, some[near[start:stop]]))
            start = stop
        if small.any():
            drawn.append((self._template(_BOX), records[small]))
        return drawn

    def _coverage(self, camera: Camera, actors, hide: int | None, instance: np.ndarray,
                  footprint: np.ndarray | None) -> Coverage:
        """The coverage pass (shaders/coverage.frag.glsl), COVERAGE_SLOTS actors at a time, over the image
        widened by COVERAGE_MARGIN on every side; ``instance`` is this frame's instance image, ``footprint``
        (H, W) bool the part of it that counts as inside the image (None: all)."""
        if self._coverage_program() is None:
            raise RenderError(f"occlusion and truncation labels need OpenGL 4.3; {self.gl_renderer} offers "
                              f"{self.ctx.version_code // 100}.{self.ctx.version_code % 100 // 10}")
        mx, my = int(math.ceil(COVERAGE_MARGIN * self.width)), int(math.ceil(COVERAGE_MARGIN * self.height))
        K = camera.K.copy()
        K[0, 2] += mx
        K[1, 2] += my
        wide = dataclasses.replace(camera, K=K, width=self.width + 2 * mx, height=self.height + 2 * my)
        # every actor the widened view reaches, drawn as the surface pass draws it; slots in template order
        drawn = self._drawn(actors, wide, camera, hide)
        ids = np.concatenate([r["ids"][:, 1] for _, r in drawn]).astype(np.int64) if drawn else np.zeros(0, np.int64)
        m = len(ids)
        shown = instance if footprint is None else np.where(footprint, instance, 0)
        visible = np.bincount(shown.ravel(), minlength=int(ids.max(initial=0)) + 1)
        if m == 0:
            return Coverage(np.zeros(0, np.uint32), *(np.zeros(0, np.int64),) * 3, np.zeros((0, 3), np.int64))
        slot_of = np.full(int(max(ids.max(), instance.max(initial=0))) + 1, m, dtype=np.int32)
        slot_of[ids] = np.arange(m, dtype=np.int32)
        size = (wide.width, wide.height)
        buffers = self._coverage_buffers(size, m, slot_of)
        program = self.coverage_program
        _set(program, "u_proj_rot", _proj_rot(wide))
        _set(program, "u_margin", (mx, my))
        _set(program, "u_image", (self.width, self.height))
        _set(program, "u_width", wide.width)
        _set(program, "u_slots", m)
        _set(program, "u_instance", 5)
        _set(program, "u_footprint", 6)
        self.targets[2].use(location=5)
        self._footprint_texture(footprint).use(location=6)
        buffers["fbo"].use()
        self.ctx.enable_only(self.ctx.NOTHING)
        for chunk in range(0, m, COVERAGE_SLOTS):
            self.ctx.memory_barrier()                       # the previous chunk's atomics, before the clear
            buffers["masks"].clear()
            _set(program, "u_chunk", chunk)
            start = 0
            for gpu, records in drawn:                      # this template's slots: start … start + len − 1
                lo, hi = max(chunk, start), min(chunk + COVERAGE_SLOTS, start + len(records))
                if lo < hi:
                    _set(program, "u_slot_base", lo)
                    gpu.draw(2, records[lo - start:hi - start])
                start += len(records)
        self.ctx.memory_barrier()                           # the shader's buffer writes, before reading them
        counts = np.frombuffer(buffers["counts"].read(), dtype=np.uint32)[:2 * m].reshape(m, 2).astype(np.int64)
        pairs = np.frombuffer(buffers["pairs"].read(), dtype=np.uint32)[:m * (m + 1)].reshape(m, m + 1)
        hidden, by = np.nonzero(pairs)
        occluder = np.where(by == m, 0, ids[np.minimum(by, m - 1)])
        rows = np.column_stack([occluder, ids[hidden], pairs[hidden, by]]).astype(np.int64).reshape(-1, 3)
        order = np.argsort(ids, kind="stable")
        rows = rows[np.lexsort((rows[:, 0], rows[:, 1]))]
        return Coverage(instance=ids[order].astype(np.uint32), visible=visible[ids[order]].astype(np.int64),
                        inside=counts[order, 0], total=counts[order, 1], occluders=rows)

    def _footprint_texture(self, footprint: np.ndarray | None):
        """The footprint as an R8UI texture in GL row order (all ones when None), kept while the same
        array comes back."""
        b = self.coverage_buffers
        if b.get("footprint_of") is footprint and "footprint" in b:
            return b["footprint"]
        mask = np.ones((self.height, self.width), np.uint8) if footprint is None else footprint.astype(np.uint8)
        if "footprint" in b:
            b["footprint"].release()
        b["footprint"] = self.ctx.texture((self.width, self.height), 1, np.ascontiguousarray(mask[::-1]).tobytes(),
                                          dtype="u1")
        b["footprint_of"] = footprint
        return b["footprint"]

    def _coverage_buffers(self, size: tuple[int, int], m: int, slot_of: np.ndarray) -> dict:
        """The coverage pass's storage buffers, (re)made as the image and the actor count need, zeroed."""
        b = self.coverage_buffers
        words = size[0] * size[1] * COVERAGE_SLOTS // 32
        need = {"masks": 4 * words, "counts": 4 * 2 * m, "pairs": 4 * m * (m + 1), "slot_of": slot_of.nbytes}
        for name, nbytes in need.items():
            if name not in b or b[name].size < nbytes:
                if name in b:
                    b[name].release()
                b[name] = self.ctx.buffer(reserve=max(nbytes, 4))
        if b.get("size") != size:
            for name in ("fbo", "target"):
                if name in b:
                    b[name].release()
            b["target"] = self.ctx.renderbuffer(size, 1, dtype="f1")
            b["fbo"] = self.ctx.framebuffer([b["target"]])
            b["size"] = size
        b["counts"].clear()
        b["pairs"].clear()
        b["slot_of"].write(slot_of.tobytes())
        for binding, name in enumerate(("masks", "counts", "pairs", "slot_of")):
            b[name].bind_to_storage_buffer(binding)
        return b

    def _shadow_pass(self, shadow: np.ndarray, camera: Camera, actors) -> None:
        """Draw the static shadow casters (not the sky, terrain, road or paint: nothing stands below them)
        into the static shadow map unless it already holds this square under this sun, and the actors
        within its square into the actors' shadow map."""
        m = _mat(shadow)
        key = (self.static_key, tuple(shadow_centre(camera)), tuple(shadow[2, :3]))   # network, square, sun
        self.ctx.enable_only(self.ctx.DEPTH_TEST)
        self.ctx.depth_func = "<"
        self.ctx.polygon_offset = (2.0, 4.0)
        if key != self.static_shadow_key:
            self.shadow_program["u_shadow"].write(m)
            self.shadow_program["u_cam_pos"] = tuple(camera.position)
            self.shadow_fbos[0].use()
            self.shadow_fbos[0].clear(depth=1.0)
            if len(self.static) > self.casters_first:
                self.shadow_vao.render(vertices=len(self.static) - self.casters_first, first=self.casters_first)
            self.static_shadow_key = key
        self.shadow_actor_program["u_shadow"].write(m)
        self.shadow_fbos[1].use()
        self.shadow_fbos[1].clear(depth=1.0)
        if actors:
            inside = in_shadow_map(np.concatenate([records for _, records, _ in actors]), shadow, SHADOW_EXTENT)
            start = 0
            for gpu, records, _ in actors:      # no culling: low sun shines into a tyre's open inner side
                gpu.draw(1, records[inside[start:start + len(records)]])
                start += len(records)
        self.ctx.polygon_offset = (0.0, 0.0)

    def _read(self, k: int) -> np.ndarray:
        """Output k of _READS as an (H, W, C) or (H, W) view of its staging buffer (valid until the next
        read), flipped so row 0 is the top (OpenCV order)."""
        fbo, attachment, target = _READS[k]
        staging = self.staging[k]
        (self.color_fbo if fbo else self.fbo).read_into(staging, components=target.read, attachment=attachment,
                                                        dtype=target.gl_dtype)
        shape = (self.height, self.width, target.read) if target.read > 1 else (self.height, self.width)
        return np.frombuffer(staging, dtype=target.dtype).reshape(shape)[::-1]

    def release(self) -> None:
        """Free every GPU object and the context; the renderer is unusable afterwards (idempotent)."""
        if self.ctx is None:
            return
        with self.ctx:
            for gpu in self.actors.values():
                gpu.release()
            for name, obj in self.coverage_buffers.items():
                if name not in ("size", "footprint_of"):
                    obj.release()
            if self.coverage_program is not None:
                self.coverage_program.release()
            for obj in (self.vao, self.shadow_vao, self.vbo, self.fbo, *self.targets, self.depth_buffer,
                        self.color_fbo, self.color, self.sky_vao, self.screen, *self.shadow_fbos, *self.shadow_maps,
                        self.program, self.actor_program, self.sky_program, self.shadow_program,
                        self.shadow_actor_program, *(x for pair in self.shade_programs.values() for x in pair)):
                obj.release()
        self.ctx.release()
        self.ctx = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.release()
