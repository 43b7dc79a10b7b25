"""Camera model and the Frame record; plain numpy, no GL."""
from scenariosim.sensors.camera import Camera, camera_from_spec, intrinsics, mounted_camera
from scenariosim.sensors.frame import NO_INSTANCE, Frame

__all__ = ["NO_INSTANCE", "Camera", "Frame", "camera_from_spec", "intrinsics", "mounted_camera"]
