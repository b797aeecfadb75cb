// `extends: <board>` in a board config: the child states only what differs. The rules
// (documented in the README, "Your own boards"):
//  - mappings merge key by key, recursively; a scalar or a list in the child replaces the
//    parent's; `key: null` removes the parent's key (e.g. `splitAuto: null`);
//  - `regions` merge by `name`: a child region with a parent's name changes only the fields
//    it gives, a new name is appended, `{ name: X, remove: true }` drops region X;
//  - a range (heap, heap.add[i], splitAuto.segments[i]) takes `end` or `size`: giving one in
//    the child drops the other inherited from the parent;
//  - `id` must be the child's own; `aliases` are not inherited (they would clash with the
//    parent's); `name` defaults to "<id> (extends <parent>)";
//  - `inferred` entries of the parent for keys the child sets are dropped (the child's
//    value is the user's, not an inference).

export interface MergeSource {
  shown: string;
  raw: unknown;
}

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export function extendsOf(raw: unknown): unknown {
  return isObj(raw) && 'extends' in raw ? raw.extends : undefined;
}

function clone<T>(x: T): T {
  return x === undefined ? x : (JSON.parse(JSON.stringify(x)) as T);
}

function mergeValue(parent: unknown, child: unknown, path: Array<string | number>, fail: (path: Array<string | number>, msg: string) => never): unknown {
  if (path.length === 1 && path[0] === 'regions' && Array.isArray(child) && Array.isArray(parent)) {
    const out = clone(parent) as unknown[];
    child.forEach((c, i) => {
      const name = isObj(c) ? c.name : undefined;
      const at = typeof name === 'string' ? out.findIndex((p) => isObj(p) && p.name === name) : -1;
      if (isObj(c) && c.remove === true) {
        if (at < 0) fail(['regions', i, 'remove'], `no inherited region named '${String(name)}' to remove`);
        out.splice(at, 1);
        return;
      }
      if (at >= 0) out[at] = mergeValue(out[at], c, ['regions', at], fail);
      else out.push(clone(c));
    });
    return out;
  }
  if (isObj(parent) && isObj(child)) {
    const out: Obj = clone(parent);
    for (const [k, v] of Object.entries(child)) {
      if (v === null) delete out[k];
      else out[k] = mergeValue(out[k], v, [...path, k], fail);
    }
    // Ranges: `end` and `size` are alternatives; the child's choice wins.
    if ('start' in out && ('end' in child) !== ('size' in child)) {
      if ('end' in child) delete out.size;
      else delete out.end;
    }
    return out;
  }
  return clone(child);
}

/** Dotted keys (as `inferred` uses them) the child config sets. */
function setsKey(child: Obj, dotted: string): boolean {
  let node: unknown = child;
  for (const part of dotted.split('.')) {
    if (!isObj(node) || !(part in node)) return false;
    node = node[part];
  }
  return true;
}

/**
 * Merges a chain of configs, child first (chain[0] extends chain[1], ...).
 */
export function mergeBoards(
  chain: MergeSource[],
  /** `file:line` of a key in chain[i]. */
  locate: (i: number, path: Array<string | number>) => string,
  error: (msg: string) => Error,
): { raw: unknown; parentId: string } {
  let acc: unknown = clone(chain[chain.length - 1]!.raw);
  if (isObj(acc)) delete acc.extends;
  for (let i = chain.length - 2; i >= 0; i--) {
    const src = chain[i]!;
    const fail = (path: Array<string | number>, msg: string): never => {
      throw error(`${locate(i, path)}: ${msg}`);
    };
    if (!isObj(src.raw)) fail([], 'a config that extends another must be a mapping of keys');
    const child = clone(src.raw) as Obj;
    delete child.extends;
    if (typeof child.id !== 'string') fail(['extends'], 'key id: a config that extends another needs its own id');
    const parent = acc as Obj;
    const parentId = typeof parent.id === 'string' ? parent.id : '?';
    const merged = mergeValue(parent, child, [], fail) as Obj;
    if (!('aliases' in child)) merged.aliases = [];
    if (!('name' in child)) merged.name = `${String(child.id)} (extends ${parentId})`;
    if (isObj(merged.inferred) && isObj(parent.inferred)) {
      const own = isObj(child.inferred) ? child.inferred : {};
      for (const k of Object.keys(parent.inferred)) if (!(k in own) && setsKey(child, k)) delete merged.inferred[k];
    }
    acc = merged;
  }
  const parentRaw = chain[1]!.raw;
  return { raw: acc, parentId: isObj(parentRaw) && typeof parentRaw.id === 'string' ? parentRaw.id : chain[1]!.shown };
}

/**
 * A key path in the merged config, as it is spelled in one source of the chain (regions are
 * matched by name, so regions[3] of the merged config may be regions[0] of the child), or
 * undefined if that source does not have that region.
 */
export function pathInSource(merged: unknown, sourceRaw: unknown, path: Array<string | number>): Array<string | number> | undefined {
  if (merged === undefined || path[0] !== 'regions' || typeof path[1] !== 'number') return path;
  const regions = isObj(merged) ? merged.regions : undefined;
  const name = Array.isArray(regions) && isObj(regions[path[1]]) ? (regions[path[1]] as Obj).name : undefined;
  const own = isObj(sourceRaw) ? sourceRaw.regions : undefined;
  if (!Array.isArray(own)) return undefined;
  const at = own.findIndex((r) => isObj(r) && r.name === name);
  return at < 0 ? undefined : ['regions', at, ...path.slice(2)];
}
