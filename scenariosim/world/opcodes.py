"""Opcodes of compiled behaviours (world.state.Program): data shared by the compiler and the kernels."""
from scenariosim.world.state import CUBIC, LEFT, LINEAR, RIGHT, SINUSOIDAL, STRAIGHT

# maneuver opcodes (Program.op)
FOLLOW_LANE, CHANGE_LANE, CHANGE_SPEED, KEEP_TIME_GAP, STOP_AT, FOLLOW_PATH, WALK_ACROSS, TURN, STAY_STILL, DRIVE = range(10)
MANEUVER_OPS = {"follow_lane": FOLLOW_LANE, "change_lane": CHANGE_LANE, "change_speed": CHANGE_SPEED,
                "keep_time_gap": KEEP_TIME_GAP, "stop_at": STOP_AT, "follow_path": FOLLOW_PATH,
                "walk_across": WALK_ACROSS, "turn": TURN, "stay_still": STAY_STILL, "drive": DRIVE}

# change_lane target modes (Program.iarg[:, 0])
LANE_NUMBER, LANE_RELATIVE, LANE_OF = 0, 1, 2
PROFILES = {"sinusoidal": SINUSOIDAL, "cubic": CUBIC, "linear": LINEAR}
DIRECTIONS = {"straight": STRAIGHT, "left": LEFT, "right": RIGHT}

# controllers (Program.ctrl)
KEEP, IDM, CONSTANT_SPEED = 0, 1, 2
IDM_ARGS = ("desired_speed", "time_gap", "min_gap", "max_accel", "comfort_decel")

# condition opcodes (Program.code): postfix; signals push a value, operators pop two (NOT one)
(C_CONST, C_TIME, C_ELAPSED, C_TRAVELLED, C_DISTANCE, C_GAP, C_TIME_GAP, C_TTC, C_S, C_D, C_SPEED, C_ACCEL,
 C_ADD, C_SUB, C_MUL, C_DIV, C_LT, C_LE, C_GT, C_GE, C_EQ, C_NE, C_AND, C_OR, C_NOT) = range(25)
SIGNAL_OPS = {"time": C_TIME, "elapsed": C_ELAPSED, "travelled": C_TRAVELLED, "distance": C_DISTANCE,
            "gap": C_GAP, "time_gap": C_TIME_GAP, "ttc": C_TTC}
ATTRIBUTE_OPS = {"s": C_S, "d": C_D, "speed": C_SPEED, "accel": C_ACCEL}
ARITHMETIC_OPS = {"+": C_ADD, "-": C_SUB, "*": C_MUL, "/": C_DIV}
COMPARE_OPS = {"<": C_LT, "<=": C_LE, ">": C_GT, ">=": C_GE, "==": C_EQ, "!=": C_NE}

#: a lane change without ``duration`` takes this long [s] (typical lane changes take 4–6 s on highways;
#: Toledo & Zohar 2007 measured a mean of 4.6 s); MOBIL's own changes use it too
DEFAULT_LANE_CHANGE = 4.0
