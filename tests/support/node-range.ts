/**
 * Whether a Node version satisfies a package's `engines.node` range, for the ranges npm
 * packages write: `||` alternatives of comparators (`>=20.19.0`, `>= 18`, `<23`, `=20.1.0`),
 * caret and tilde ranges, x-ranges (`20`, `20.x`, `*`) and hyphen ranges (`18 - 22`).
 * Prerelease tags are ignored: Node releases have none.
 */

type Version = [number, number, number];
/** A version as written in a range: a missing part or `x`/`*` is a wildcard. */
type Partial = [number | undefined, number | undefined, number | undefined];

function partial(text: string): Partial {
  const parts = text.replace(/^v/, '').split(/[-+]/)[0]!.split('.');
  const part = (i: number) => (parts[i] === undefined || /^[xX*]?$/.test(parts[i]!) ? undefined : Number(parts[i]));
  const [major, minor, patch] = [part(0), part(1), part(2)];
  // A wildcard makes every later part one too (`20.x.5` is `20.x`).
  return [major, major === undefined ? undefined : minor, major === undefined || minor === undefined ? undefined : patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const low = (p: Partial): Version => [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
const complete = (p: Partial): p is Version => p[2] !== undefined;

/** The first version past an x-range (`20.x` -> 21.0.0); undefined when nothing is past it (`*`). */
function pastX(p: Partial): Version | undefined {
  if (p[0] === undefined) return undefined;
  if (p[1] === undefined) return [p[0] + 1, 0, 0];
  return [p[0], p[1] + 1, 0];
}

type Test = (v: Version) => boolean;

function comparator(op: string, p: Partial): Test {
  const lo = low(p);
  const within = (past: Version | undefined): Test => (v) => compare(v, lo) >= 0 && (past === undefined || compare(v, past) < 0);
  switch (op) {
    case '>=':
      return (v) => compare(v, lo) >= 0;
    case '<':
      return (v) => compare(v, lo) < 0;
    case '>': {
      if (complete(p)) return (v) => compare(v, p) > 0;
      const past = pastX(p);
      return (v) => past !== undefined && compare(v, past) >= 0;
    }
    case '<=': {
      if (complete(p)) return (v) => compare(v, p) <= 0;
      const past = pastX(p);
      return (v) => past === undefined || compare(v, past) < 0;
    }
    case '^': {
      if (p[0] === undefined) return () => true;
      if (p[0] > 0 || p[1] === undefined) return within([p[0] + 1, 0, 0]);
      if (p[1] > 0 || p[2] === undefined) return within([0, p[1] + 1, 0]);
      return within([0, 0, p[2] + 1]);
    }
    case '~':
      return within(p[0] === undefined ? undefined : p[1] === undefined ? [p[0] + 1, 0, 0] : [p[0], p[1] + 1, 0]);
    default:
      return complete(p) ? (v) => compare(v, p) === 0 : within(pastX(p));
  }
}

function alternative(text: string): Test {
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
  if (hyphen) return alternative(`>=${hyphen[1]} <=${hyphen[2]}`);
  const tests = text
    .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
    .split(/\s+/)
    .filter(Boolean)
    .map((c) => {
      const [, op, version] = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(c)!;
      return comparator(op ?? '', partial(version!));
    });
  return (v) => tests.every((t) => t(v));
}

export function satisfies(version: string, range: string): boolean {
  const v = low(partial(version));
  return range.split('||').some((alt) => alternative(alt.trim())(v));
}
