# A random program: nested lists and tuples, bytearrays grown in place, string formatting
# and a class hierarchy; runs until the heap has collected on its own several times.
import random
random.seed(3)
class A:
    def __init__(self, x):
        self.x = x
class B(A):
    def __del__(self):
        pass
grid = [[None] * 8 for _ in range(8)]
buf = bytearray()
for step in range(500):
    r = random.getrandbits(3)
    i = random.getrandbits(3)
    j = random.getrandbits(3)
    if r < 2:
        grid[i][j] = (step, 'cell%d' % step)
    elif r < 4:
        grid[i][j] = B(step) if r == 3 else A(step)
    elif r == 4:
        buf.extend(b'%d,' % step)
        if len(buf) > 600:
            buf = bytearray()
    elif r == 5:
        t = tuple(range(i + j))
    else:
        s = '{}:{}:{}'.format(step, i, j) * (i + 1)
print(len(buf))
