// "64k", "1m", "65536" → bytes (the wasm build's own -X heapsize= accepts the same suffixes).

export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([kKmM]?)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1024 : 1024 * 1024);
  return Number.isSafeInteger(n) ? n : undefined;
}
