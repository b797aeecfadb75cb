# A random program (lists, dicts, strings, closures, bytearrays, classes with __del__),
# fixed seed so every recording runs the same code path.
import random, gc
random.seed(1)
class Node:
    def __init__(self, v):
        self.v = v
        self.kids = []
    def __del__(self):
        pass
def counter():
    n = [0]
    def inc():
        n[0] += 1
        return n[0]
    return inc
roots = []
fns = [counter() for _ in range(5)]
for step in range(300):
    r = random.getrandbits(4)
    if r < 4:
        roots.append(Node(step))
    elif r < 7 and roots:
        roots[random.getrandbits(8) % len(roots)].kids.append([step] * (r + 1))
    elif r < 9:
        d = {str(k): bytearray(k + 1) for k in range(r)}
    elif r < 11:
        s = '-'.join(str(x) for x in range(r * 2))
    elif r < 13:
        fns[r % 5]()
    elif roots:
        roots.pop(random.getrandbits(8) % len(roots))
    if step % 100 == 99:
        gc.collect()
print(len(roots))
