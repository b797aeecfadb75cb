# mcu-gc's built-in `string-building` workload: s += piece (quadratic garbage) alternating
# with ''.join(list).
out = []
for r in range(12):
    s = ''
    for i in range(40):
        s += 'piece%d;' % i
    parts = []
    for i in range(40):
        parts.append('part%d;' % i)
    j = ''.join(parts)
    out.append(len(s) + len(j))
print(sum(out))
