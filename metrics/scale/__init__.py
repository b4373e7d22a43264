"""Beyond one machine: the dialect layer (lint + SQLGlot to Spark), the roll-up job, its engines, parity."""
