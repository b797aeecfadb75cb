# mcu-gc's built-in `fragmentation` workload: small objects pinned between short-lived
# buffers, then ever larger bytearray(n) until MemoryError.
pinned = []
for i in range(300):
    tmp = bytearray(64 + (i % 5) * 32)
    pinned.append(('p', i))
    tmp = None
n = 1024
got = 0
try:
    while True:
        b = bytearray(n)
        got = n
        b = None
        n += 4096
except MemoryError:
    pass
print(len(pinned), got)
