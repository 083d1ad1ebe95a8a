/**
 * The pieces the experiment schema is built from (zod 4), and how its issues are said: in the
 * words of src/config/validate.ts, one line per issue naming the field by its path
 * (`mi.estimator.clip must be > 0, got -1`), what was expected and what was found. The same
 * schemas give the JSON Schema (src/experiments/schema.ts), so what is checked at run time and
 * what an editor offers cannot drift apart.
 */
import { z } from 'zod';
import { ConfigError } from './validate.js';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** What a type name means to a user ("a number", "a list"). */
const KIND_WORDS: Record<string, string> = {
  number: 'a finite number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  null: 'null',
};

/**
 * Our wording of zod's standard issues, as a tail after the field's path: "must be ≥ 2, got -4"
 * is joined with a space, "unknown value …" with ": " (see joinPath).
 */
export function issueTail(iss: RawIssue): string | undefined {
  const input = iss.input;
  switch (iss.code) {
    case 'invalid_type': {
      const want = KIND_WORDS[iss.expected] ?? iss.expected;
      if (input === undefined) return `is required (${iss.expected === 'number' ? 'a number' : want})`;
      if (iss.expected === 'int' && typeof input === 'number') return `must be an integer, got ${input}`;
      return `must be ${want}, got ${show(input)}`;
    }
    case 'invalid_value': {
      const values = iss.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
      if (input === undefined) return `is required; expected one of ${values}`;
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}, got ${show(input)}`
        : `unknown value ${show(input)}; expected one of ${values}`;
    }
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'array')
        return min <= 1 ? `must be a non-empty list, got ${show(input)}` : `must be a list of at least ${min} items, got ${show(input)}`;
      if (iss.origin === 'string') return `must be a non-empty string, got ${show(input)}`;
      return `must be ${iss.inclusive ? '≥' : '>'} ${min}, got ${show(input)}`;
    }
    case 'too_big': {
      const max = Number(iss.maximum);
      if (iss.origin === 'array') return `must be a list of at most ${max} items, got ${show(input)}`;
      if (max === Number.MAX_SAFE_INTEGER) return `must be an integer below 2^53, got ${show(input)}`;
      return `must be ${iss.inclusive ? '≤' : '<'} ${max}, got ${show(input)}`;
    }
    case 'invalid_format':
      return `must match ${iss.pattern ?? iss.format}, got ${show(input)}`;
    case 'invalid_union': {
      // a discriminated union ({ "kind": … }) whose kind matches none: the issue sits at `kind`
      const d = (iss as { discriminator?: string }).discriminator;
      if (d !== undefined && input && typeof input === 'object') {
        const options = ((iss as { options?: unknown[] }).options ?? []).filter((o) => o !== undefined).join(', ');
        const v = (input as Record<string, unknown>)[d];
        return v === undefined ? `is required; expected one of ${options}` : `unknown value ${show(v)}; expected one of ${options}`;
      }
      // a plain union of simple forms (a number ≥ 0 or "learned"): say each form it could take
      const branches = (iss as { errors?: { message: string; path: PropertyKey[] }[][] }).errors ?? [];
      const wants = branches.map((b) => (b.length === 1 && b[0].path.length === 0 ? /^must be (.*), got /.exec(b[0].message)?.[1] : undefined));
      if (wants.length > 1 && wants.every((w) => w !== undefined)) return `must be ${wants.join(' or ')}, got ${show(input)}`;
      return `does not have any of the allowed forms, got ${show(input)}`;
    }
    case 'unrecognized_keys':
      return iss.keys.map((k) => `${k}: unknown key`).join('\n');
    default:
      return undefined;
  }
}

/** `a.b[2].c` from zod's path, under `root` (itself a path such as `estimators[1]`). */
export function pathString(path: readonly PropertyKey[], root = ''): string {
  let s = root;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}

/**
 * `steps must be …`, `mi.estimator: unknown …`; a tail that starts with "." names a field inside
 * (".kind: unknown estimator …" at `mi.estimator` is about `mi.estimator.kind`).
 */
function joinPath(path: string, tail: string): string {
  if (tail.startsWith('.')) return path ? `${path}${tail}` : tail.slice(1);
  if (!path) return tail;
  return /^(must|is) /.test(tail) ? `${path} ${tail}` : `${path}: ${tail}`;
}

/** The lines of one issue (an unknown-keys issue gives one line per key). */
function issueLines(iss: Issue, root: string): string[] {
  if (iss.code === 'invalid_key') {
    // a record's key (vary's paths): the key's own issue says what is wrong with it
    const inner = iss.issues[0];
    return [joinPath(pathString(iss.path, root), inner ? inner.message : 'invalid key')];
  }
  if (iss.code === 'invalid_union') {
    // one alternative failed inside (checkpoint: { "keep": "some" } against true | false | { keep }):
    // its own lines say more than "none of the forms" — unless it is a kind no alternative has
    const inside = iss.errors.filter((branch) =>
      branch.some((e) => e.path.length > 0 && !(e.code === 'invalid_union' && (e as { note?: string }).note === 'No matching discriminator')),
    );
    if (inside.length === 1) return inside[0].flatMap((e) => issueLines({ ...e, path: [...iss.path, ...e.path] } as Issue, root));
  }
  if (iss.code === 'unrecognized_keys') {
    // obj()'s message has one "key: …" line per key; name each under the object's path
    const at = pathString(iss.path, root);
    return iss.message.split('\n').map((line) => (at ? `${at}.${line}` : line));
  }
  return [joinPath(pathString(iss.path, root), iss.message)];
}

/** Every issue of a failed parse as a line naming its field. */
export function issueMessages(error: z.ZodError, root = ''): string[] {
  return error.issues.flatMap((iss) => issueLines(iss, root));
}

/** Parses `v` with `schema`, returning the issues as lines (empty when valid) and the parsed value. */
export function check<S extends z.ZodType>(schema: S, v: unknown, root = ''): { ok: true; value: z.output<S> } | { ok: false; errors: string[] } {
  const r = schema.safeParse(v, { error: issueTail, reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, errors: issueMessages(r.error, root) };
}

/** Parses `v` with `schema`; the first issue is thrown as a ConfigError naming the field under `root`. */
export function parseWith<S extends z.ZodType>(schema: S, v: unknown, root = ''): z.output<S> {
  const r = check(schema, v, root);
  if (!r.ok) throw new ConfigError(r.errors[0]);
  return r.value;
}

/**
 * A strict object: an unknown key is refused naming the keys it allows (expectKeys' message);
 * `moved` says where a key that used to be here went ("beta: moved to mi.beta …").
 */
export function obj<S extends z.core.$ZodLooseShape>(shape: S, moved: Record<string, string> = {}) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? iss.keys.map((k) => (k in moved ? `${k}: ${moved[k]}` : `${k}: unknown key; expected one of ${allowed}`)).join('\n')
        : undefined,
  });
}

/** Documents a default that depends on other fields (or on the task) without filling it in. */
export const computedDefault = <T extends z.ZodType>(schema: T, text: string): T =>
  schema.meta({ description: `${schema.description ?? ''} Default: ${text}.`.trim() }) as T;

// Numbers as the old validators named them.
export const int = () => z.number().int();
export const posInt = () => z.number().int().min(1);
export const nonNegInt = () => z.number().int().min(0);
export const positive = () => z.number().gt(0);
export const nonNeg = () => z.number().min(0);
/** A list of positive integer layer widths. */
export const widths = () => z.array(posInt());
