# mcu-gc's built-in `http-json` workload: request bursts — a socket-like object with __del__,
# a request string, a response bytearray grown 536 bytes at a time, json.loads into a dict
# of strs, floats and lists; the last 4 documents kept.
import json
class Sock:
    def __init__(self, n):
        self.n = n
    def __del__(self):
        pass
kept = []
for i in range(60):
    s = Sock(i)
    req = 'GET /api/v1/sensor/%d HTTP/1.1\r\nHost: example\r\n\r\n' % i
    body = json.dumps({'id': i, 'name': 'sensor-%d' % i, 'vals': [j * 1.5 for j in range(i % 9)], 'ok': True})
    resp = bytearray()
    data = body.encode()
    for k in range(0, len(data), 536):
        resp.extend(data[k:k + 536])
    resp.extend(b' ' * 536)
    doc = json.loads(resp)
    kept.append(doc)
    if len(kept) > 4:
        kept.pop(0)
    s = None
print(len(kept), kept[-1]['id'])
