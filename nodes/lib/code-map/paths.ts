// Field paths of a message, as an integrator types them in a typedInput of type msg:
// payload.materialCode, payload.operations[*].equipmentCode, payload.lines[0].code, payload["odd key"].

export type Segment = { kind: 'prop'; key: string } | { kind: 'index'; index: number } | { kind: 'each' };

/** A path the configuration got wrong; the message names the path and what is wrong with it. */
export class PathSyntaxError extends Error {
  constructor(path: string, problem: string) {
    super(`field path '${path}' is not valid: ${problem}`);
    this.name = 'PathSyntaxError';
  }
}

// Names that would reach Object.prototype when a touched branch is copied and written back.
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);
const NAME = /[^.[\]\s"']+/y;
const INDEX = /\[(\*|\d+|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\]/y;

export function parsePath(path: string): Segment[] {
  if (typeof path !== 'string' || path.trim() === '') throw new PathSyntaxError(String(path ?? ''), 'it is empty');
  const segments: Segment[] = [];
  let at = name(path, 0, segments, 'it must start with a field name such as payload');
  while (at < path.length) {
    if (path[at] === '.') {
      at = name(path, at + 1, segments, `expected a field name at position ${at + 2}`);
    } else if (path[at] === '[') {
      INDEX.lastIndex = at;
      const m = INDEX.exec(path);
      if (!m) throw new PathSyntaxError(path, `expected [n], [*] or ["name"] at position ${at + 1}`);
      if (m[1] === '*') segments.push({ kind: 'each' });
      else if (m[2] !== undefined || m[3] !== undefined) {
        const key = (m[2] ?? m[3]).replace(/\\(.)/g, '$1');
        if (key === '') throw new PathSyntaxError(path, `empty field name at position ${at + 1}`);
        segments.push(prop(path, key));
      } else segments.push({ kind: 'index', index: Number(m[1]) });
      at = INDEX.lastIndex;
    } else {
      throw new PathSyntaxError(path, `expected '.' or '[' at position ${at + 1}`);
    }
  }
  return segments;
}

function name(path: string, at: number, segments: Segment[], problem: string): number {
  NAME.lastIndex = at;
  const m = NAME.exec(path);
  if (!m) throw new PathSyntaxError(path, problem);
  segments.push(prop(path, m[0]));
  return NAME.lastIndex;
}

function prop(path: string, key: string): Segment {
  if (FORBIDDEN.has(key)) throw new PathSyntaxError(path, `'${key}' cannot be used as a field name`);
  return { kind: 'prop', key };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Writes segments back as a path; wildcards take the next of `indices` when given. */
export function formatPath(segments: readonly Segment[], indices?: readonly number[]): string {
  let out = '';
  let wildcard = 0;
  for (const s of segments) {
    if (s.kind === 'prop') out += IDENTIFIER.test(s.key) ? (out === '' ? s.key : `.${s.key}`) : `[${JSON.stringify(s.key)}]`;
    else if (s.kind === 'index') out += `[${s.index}]`;
    else out += indices && wildcard < indices.length ? `[${indices[wildcard++]}]` : '[*]';
  }
  return out;
}
