# mcu-gc's built-in `dict-cache` workload: a cache dict with rehash growth and periodic
# rebuilds.
import gc
cache = {}
for i in range(400):
    cache['key%d' % i] = [i, str(i)]
    if len(cache) >= 150:
        cache = {k: v for k, v in cache.items() if v[0] > i - 50}
    if i % 150 == 149:
        gc.collect()
print(len(cache))
