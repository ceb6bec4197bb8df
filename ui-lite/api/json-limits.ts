import { FieldError } from '../../collector/errors.js';

/**
 * Limits on the shape of API request bodies, checked once JSON.parse (which does not recurse)
 * has read them and zod has accepted them, before anything walks them recursively:
 * JSON.stringify of a 100,000-deep `data` overflows the stack. Bodies nest at most
 * MAX_JSON_DEPTH arrays and objects, as the OTLP receiver limits AnyValue nesting
 * (MAX_VALUE_DEPTH, also 64). Only free-form values (`z.unknown()`: an item's data, target
 * and metadata) can be that deep in a body zod accepts; they are the parsed body's own objects.
 */
export const MAX_JSON_DEPTH = 64;

export function checkJsonBody(body: unknown): void {
  const problem = findProblem(body);
  if (!problem) return;
  const field = fieldOf(problem);
  throw new FieldError(field, `${field}: nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
}

/** One container being walked: its keys (indices for an array) and how far along they are. */
interface Frame {
  value: Record<string, unknown> | unknown[];
  keys: string[] | undefined;
  next: number;
  step: string | number;
}

/**
 * Depth first with an explicit stack of at most MAX_JSON_DEPTH frames: the check itself can
 * neither overflow the call stack nor hold a copy of a wide body's millions of elements.
 */
function findProblem(body: unknown): string[] | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const frames: Frame[] = [frame(body as object, '')];
  const path = () => frames.slice(1).map((f) => String(f.step));
  while (frames.length > 0) {
    const top = frames[frames.length - 1];
    let step: string | number;
    let child: unknown;
    if (top.keys) {
      if (top.next >= top.keys.length) {
        frames.pop();
        continue;
      }
      step = top.keys[top.next++];
      child = (top.value as Record<string, unknown>)[step];
    } else {
      const list = top.value as unknown[];
      if (top.next >= list.length) {
        frames.pop();
        continue;
      }
      step = top.next++;
      child = list[step];
    }
    if (child === null || typeof child !== 'object') continue;
    if (frames.length >= MAX_JSON_DEPTH) return [...path(), String(step)];
    frames.push(frame(child, step));
  }
  return undefined;
}

function frame(value: object, step: string | number): Frame {
  return Array.isArray(value) ? { value, keys: undefined, next: 0, step } : { value: value as Record<string, unknown>, keys: Object.keys(value), next: 0, step };
}

/**
 * The request field to name: the path down to the second object key (`items.0.data`,
 * `items.0.metadata`), a field of the API rather than a step inside its free-form value.
 */
function fieldOf(path: string[]): string {
  const out: string[] = [];
  let keys = 0;
  for (const step of path) {
    out.push(step);
    if (!/^\d+$/.test(step) && ++keys === 2) break;
    if (out.length === 3) break;
  }
  return out.join('.') || 'body';
}
