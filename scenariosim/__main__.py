"""python -m scenariosim"""
import sys

from scenariosim.cli import main

sys.exit(main())
