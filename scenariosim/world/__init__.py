"""World state (NamedTuples of arrays) and the bridge that builds it from a spec."""
from scenariosim.world.build import build_world, lane_table
from scenariosim.world.state import LaneTable, Vehicles, World, WorldInfo

__all__ = ["LaneTable", "Vehicles", "World", "WorldInfo", "build_world", "lane_table"]
