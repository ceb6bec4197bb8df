/**
 * Agreement on one item: for each label, how many pairs of labelers who gave it a value
 * gave the same one (observed pairwise agreement, as annotation tools show per item).
 */
export type Value = boolean | number | string;

export interface LabelAgreement {
  label: string;
  /** Labelers who gave a value. */
  raters: number;
  /** Share of agreeing pairs, from 0 to 1; undefined with fewer than two raters. */
  share?: number;
  /** The most given value and how many gave it. */
  mode?: { value: Value; count: number };
}

export function agreement(labels: string[], byLabeler: Record<string, Value>[]): LabelAgreement[] {
  return labels.map((label) => {
    const values = byLabeler.map((v) => v[label]).filter((v): v is Value => v !== undefined);
    if (values.length === 0) return { label, raters: 0 };
    const counts = new Map<string, { value: Value; count: number }>();
    for (const v of values) {
      const k = JSON.stringify(v);
      const c = counts.get(k) ?? { value: v, count: 0 };
      c.count++;
      counts.set(k, c);
    }
    const mode = [...counts.values()].sort((a, b) => b.count - a.count)[0];
    if (values.length < 2) return { label, raters: values.length, mode };
    const pairs = (values.length * (values.length - 1)) / 2;
    let agreeing = 0;
    for (const c of counts.values()) agreeing += (c.count * (c.count - 1)) / 2;
    return { label, raters: values.length, share: agreeing / pairs, mode };
  });
}
