/**
 * Label values against a queue's label schema: what a labeler may send for each type,
 * and how each value is stored (a number for evaluations, a text for categories and
 * free text) and read back. A value that does not fit is a FieldError naming the label.
 */
import { createHash } from 'node:crypto';
import { FieldError } from '../../collector/errors.js';
import type { LabelSpec } from '../../config/queues.js';

export type LabelValue = boolean | number | string;

/** One label as stored: `value` is what evaluations read (booleans 0/1, categories mapped). */
export interface StoredValue {
  type: LabelSpec['type'];
  value: number | null;
  text: string;
}

/**
 * A number that changes when a queue's label schema changes, stored on every label so a
 * label written under an older schema is recognised as such.
 */
export function schemaVersion(labels: readonly LabelSpec[]): number {
  return createHash('sha256').update(JSON.stringify(labels)).digest().readUInt32BE(0);
}

/** Checks one value against its label; null clears the label. */
export function encodeValue(spec: LabelSpec, v: unknown, field: string): StoredValue {
  const bad = (expected: string): never => {
    throw new FieldError(field, `${field}: ${expected}, got ${describe(v)}`);
  };
  switch (spec.type) {
    case 'boolean':
      if (typeof v !== 'boolean') bad('expected true or false');
      return { type: 'boolean', value: v ? 1 : 0, text: '' };
    case 'numeric': {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`expected a number from ${spec.min} to ${spec.max}`);
      const n = v as number;
      if (n < spec.min || n > spec.max) bad(`expected a number from ${spec.min} to ${spec.max}`);
      if (spec.step !== undefined) {
        const k = (n - spec.min) / spec.step;
        if (Math.abs(k - Math.round(k)) > 1e-9) bad(`expected ${spec.min} plus a multiple of ${spec.step}`);
      }
      return { type: 'numeric', value: n, text: '' };
    }
    case 'categorical': {
      const names = Object.keys(spec.values);
      if (typeof v !== 'string' || !Object.hasOwn(spec.values, v)) bad(`expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}`);
      return { type: 'categorical', value: spec.values[v as string], text: v as string };
    }
    case 'text':
      if (typeof v !== 'string') bad('expected a string');
      if ((v as string).length > 100_000) bad('expected at most 100000 characters');
      return { type: 'text', value: null, text: v as string };
  }
}

/** A stored value as the API shows it, by the type it was written with. */
export function decodeValue(s: StoredValue): LabelValue {
  switch (s.type) {
    case 'boolean':
      return s.value === 1;
    case 'numeric':
      return s.value ?? 0;
    default:
      return s.text;
  }
}

/** Whether a label counts as given (a required label must be). */
export function isGiven(s: StoredValue | undefined): boolean {
  return s !== undefined && (s.type !== 'text' || s.text.trim() !== '');
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
