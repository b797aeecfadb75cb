# mcu-gc's built-in `sensor-logger` workload as a real MicroPython program: float readings,
# a 4-tuple per sample, a ring list of readings, CSV lines built in a growing string, and a
# join every 16 lines.
import math
ring = []
lines = []
for i in range(200):
    t = i * 0.25
    sample = (i, t, math.sin(t) * 20.0 + 21.5, math.cos(t) * 5.0 + 50.0)
    ring.append(sample)
    if len(ring) > 32:
        ring.pop(0)
    line = '%d,%.2f,%.3f,%.3f' % sample
    lines.append(line)
    if len(lines) == 16:
        block = '\n'.join(lines)
        lines = []
print(len(ring), len(block))
