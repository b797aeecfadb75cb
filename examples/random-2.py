# A random program: mostly dicts and strings, with closures kept in a list, a lowered
# gc.threshold (collections every 8 KiB allocated) and objects with __del__.
import random, gc
random.seed(2)
gc.threshold(8192)
class Res:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        pass
table = {}
keep = []
def make(k):
    return lambda x: x + k
for step in range(400):
    r = random.getrandbits(3)
    key = 'k%d' % random.getrandbits(6)
    if r == 0:
        table[key] = Res(key)
    elif r == 1:
        table[key] = [key] * 3
    elif r == 2:
        keep.append(make(step))
        if len(keep) > 20:
            keep.pop(0)
    elif r == 3:
        table.pop(key, None)
    elif r == 4:
        b = bytearray(len(key) * 8)
    else:
        s = key + str(step) + key.upper()
gc.threshold(-1)
print(len(table), len(keep))
