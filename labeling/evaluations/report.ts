/**
 * What the comparison page and the agreement API show of an evaluation: its data points
 * with automatic and human scores side by side, which of them disagree, and agreement
 * figures measured with the statistics that fit each label's scale (agreement/):
 * - each automatic score against the human aggregate of the same criterion (a label of a
 *   human evaluator's queue with the score's name, or mapped in `evaluations.criteria`),
 *   and against each labeler;
 * - labelers among themselves (Krippendorff's alpha), per label.
 * Scales follow the label: numeric labels are numeric; booleans binary; a category with
 * two values binary, with more ordinal (`ordinal: true`) or unordered. An automatic score
 * is put on the label's scale before it is compared (0.5 or more is true for a boolean,
 * the nearest category value for a category, halfway going up), and so is the human
 * aggregate (scale.ts: the mean, or for unordered categories the answer most gave).
 */
import { FieldError } from '../../collector/errors.js';
import type { LabelSpec } from '../../config/queues.js';
import type { Config } from '../../config/schema.js';
import { judgeAgreement, labelerAgreement, type JudgeAgreement, type ScaleKind } from './agreement/agreement.js';
import type { Statistic } from './agreement/statistic.js';
import { snap } from './scale.js';
import { averageScores, withScores } from './recorder.js';
import type { Datapoint, Evaluation, EvaluationStore, Score, ScoreSource } from './store.js';

type NumericLabel = Exclude<LabelSpec, { type: 'text' }>;

/** A human criterion: one label of one human evaluator. */
export interface HumanCriterion {
  evaluator: string;
  queue: string;
  label: string;
  type: NumericLabel['type'];
  scale: ScaleKind;
  /** The label's values on its scale (booleans 0/1, category values), when it has a fixed set. */
  categories?: number[];
  /** Category names by value, for showing a confusion matrix. */
  names?: Record<string, string>;
  /** Smallest and largest value: a numeric label's min and max, else its categories'. */
  min: number;
  max: number;
}

export interface JudgeComparison {
  automatic: { evaluator: string; name: string; source: ScoreSource };
  human: HumanCriterion;
  /** Against the labelers' aggregate. */
  aggregate: JudgeAgreement & { n: number };
  /** Against each labeler. */
  labelers: Array<{ labeler: string; agreement: JudgeAgreement & { n: number } }>;
}

export interface LabelerComparison {
  human: HumanCriterion;
  labelers: string[];
  /** Krippendorff's alpha at the scale's level. */
  alpha: Statistic;
}

export interface AgreementReport {
  evaluation: { id: string; name: string; group: string };
  judges: JudgeComparison[];
  labelers: LabelerComparison[];
  /** Automatic scores with no human criterion to compare with. */
  unmatched: Array<{ evaluator: string; name: string; source: ScoreSource; why: string }>;
}

export interface ReportRow {
  datapoint: Datapoint & { scores: Array<Omit<Score, 'datapoint_id'>> };
  /** Why this data point counts as a disagreement (empty when it does not). */
  disagreements: string[];
}

export interface EvaluationReport {
  evaluation: Evaluation;
  averages: ReturnType<typeof averageScores>;
  agreement: AgreementReport;
  rows: ReportRow[];
  criteria: HumanCriterion[];
}

function scaleOf(l: NumericLabel): Pick<HumanCriterion, 'scale' | 'categories' | 'names' | 'min' | 'max'> {
  if (l.type === 'numeric') return { scale: 'numeric', min: l.min, max: l.max };
  if (l.type === 'boolean') return { scale: 'binary', categories: [0, 1], names: { 0: 'false', 1: 'true' }, min: 0, max: 1 };
  const values = [...new Set(Object.values(l.values))].sort((a, b) => a - b);
  const names = Object.fromEntries(Object.entries(l.values).map(([name, v]) => [String(v), name]));
  return { scale: values.length <= 2 ? 'binary' : l.ordinal ? 'ordinal' : 'categorical', categories: values, names, min: values[0], max: values[values.length - 1] };
}

/** Every numeric label of every human evaluator of the evaluation, as configured now. */
export function humanCriteria(e: Evaluation, config: Config): HumanCriterion[] {
  const out: HumanCriterion[] = [];
  for (const h of e.human_evaluators) {
    const spec = Object.hasOwn(config.queues, h.queue) ? config.queues[h.queue] : undefined;
    for (const l of spec?.labels ?? []) {
      if (l.type === 'text') continue;
      out.push({ evaluator: h.name, queue: h.queue, label: l.name, type: l.type, ...scaleOf(l) });
    }
  }
  return out;
}

/** A value put on a criterion's scale: categories snap to the nearest one, halfway to the larger (booleans: 0.5 or more is 1). */
export function onScale(c: HumanCriterion, v: number): number {
  return c.categories ? snap(c.categories, v) : v;
}

const key = (...parts: string[]) => parts.join('\0');

interface Indexed {
  /** datapoint -> automatic (evaluator, name) -> value */
  auto: Map<string, Map<string, number>>;
  /** datapoint -> human (evaluator, label) -> labeler ('' aggregate) -> value */
  human: Map<string, Map<string, Map<string, number>>>;
  autoNames: Map<string, { evaluator: string; name: string; source: ScoreSource }>;
}

function index(scores: Score[]): Indexed {
  const ix: Indexed = { auto: new Map(), human: new Map(), autoNames: new Map() };
  for (const s of scores) {
    if (s.value === null) continue;
    if (s.source === 'human') {
      let dp = ix.human.get(s.datapoint_id);
      if (!dp) ix.human.set(s.datapoint_id, (dp = new Map()));
      let c = dp.get(key(s.evaluator, s.name));
      if (!c) dp.set(key(s.evaluator, s.name), (c = new Map()));
      c.set(s.labeler, s.value);
    } else {
      const k = key(s.evaluator, s.name);
      ix.autoNames.set(k, { evaluator: s.evaluator, name: s.name, source: s.source });
      let dp = ix.auto.get(s.datapoint_id);
      if (!dp) ix.auto.set(s.datapoint_id, (dp = new Map()));
      dp.set(k, s.value);
    }
  }
  return ix;
}

/** Whether an automatic score is compared with a human label: same name, or mapped in config. */
function matches(autoName: string, c: HumanCriterion, criteria: Record<string, string>): boolean {
  return Object.hasOwn(criteria, autoName) ? criteria[autoName] === c.label : autoName === c.label;
}

function withN(a: JudgeAgreement): JudgeAgreement & { n: number } {
  const first = 'pearson' in a ? a.pearson : 'kappa' in a ? a.kappa : a.weightedKappa;
  return { ...a, n: first.n };
}

export function agreementOf(e: Evaluation, criteria: HumanCriterion[], points: Datapoint[], scores: Score[], mapping: Record<string, string>, o: { resamples?: number } = {}): AgreementReport {
  const ix = index(scores);
  const judges: JudgeComparison[] = [];
  const unmatched: AgreementReport['unmatched'] = [];
  const boot = { resamples: o.resamples };
  for (const [ak, a] of [...ix.autoNames].sort((x, y) => x[0].localeCompare(y[0]))) {
    const targets = criteria.filter((c) => matches(a.name, c, mapping));
    if (targets.length === 0) {
      unmatched.push({ ...a, why: criteria.length ? `no human label named "${a.name}" (map it to one under evaluations.criteria)` : 'the evaluation has no human evaluators' });
      continue;
    }
    for (const c of targets) {
      const hk = key(c.evaluator, c.label);
      const labelers = new Set<string>();
      for (const p of points) for (const who of ix.human.get(p.id)?.get(hk)?.keys() ?? []) if (who !== '') labelers.add(who);
      const pairsFor = (who: string) =>
        points.map((p) => {
          const auto = ix.auto.get(p.id)?.get(ak);
          const human = ix.human.get(p.id)?.get(hk)?.get(who);
          return { automatic: auto === undefined ? null : onScale(c, auto), human: human === undefined ? null : onScale(c, human) };
        });
      const opts = { ...boot, categories: c.categories };
      judges.push({
        automatic: a,
        human: c,
        aggregate: withN(judgeAgreement(pairsFor(''), c.scale, opts)),
        labelers: [...labelers].sort().map((who) => ({ labeler: who, agreement: withN(judgeAgreement(pairsFor(who), c.scale, opts)) })),
      });
    }
  }
  const labelerStats: LabelerComparison[] = [];
  for (const c of criteria) {
    const hk = key(c.evaluator, c.label);
    const labelers = new Set<string>();
    for (const p of points) for (const who of ix.human.get(p.id)?.get(hk)?.keys() ?? []) if (who !== '') labelers.add(who);
    const names = [...labelers].sort();
    if (names.length === 0) continue;
    const units = points.map((p) => names.map((who) => ix.human.get(p.id)?.get(hk)?.get(who) ?? null));
    labelerStats.push({ human: c, labelers: names, alpha: labelerAgreement(units, c.scale, { ...boot, categories: c.categories }) });
  }
  return { evaluation: { id: e.id, name: e.name, group: e.group }, judges, labelers: labelerStats, unmatched };
}

/** Why a data point counts as a disagreement: its judge and labelers, or its labelers, differ by more than `threshold` of the range. */
function disagreementsOf(p: Datapoint, ix: Indexed, criteria: HumanCriterion[], mapping: Record<string, string>, threshold: number): string[] {
  const out: string[] = [];
  for (const c of criteria) {
    const values = ix.human.get(p.id)?.get(key(c.evaluator, c.label));
    if (!values) continue;
    const span = c.max - c.min || 1;
    const far = (x: number, y: number) => (c.categories ? onScale(c, x) !== onScale(c, y) : Math.abs(x - y) / span > threshold);
    const own = [...values].filter(([who]) => who !== '').map(([, v]) => v);
    if (own.length >= 2 && far(Math.min(...own), Math.max(...own))) out.push(`labelers differ on ${c.label}`);
    const agg = values.get('');
    if (agg === undefined) continue;
    for (const [ak, a] of ix.autoNames) {
      const auto = ix.auto.get(p.id)?.get(ak);
      if (auto !== undefined && matches(a.name, c, mapping) && far(auto, agg)) out.push(`${a.name} and labelers differ on ${c.label}`);
    }
  }
  return out;
}

export async function evaluationReport(store: EvaluationStore, config: Config, id: string, o: { threshold?: number; resamples?: number } = {}): Promise<EvaluationReport> {
  const e = await store.require(id);
  const [points, scores] = await Promise.all([store.datapoints(e.id), store.scores(e.id)]);
  const criteria = humanCriteria(e, config);
  const mapping = config.evaluations.criteria;
  const ix = index(scores);
  const rows = withScores(points, scores).map((datapoint) => ({ datapoint, disagreements: disagreementsOf(datapoint, ix, criteria, mapping, o.threshold ?? 0.25) }));
  // The bootstrap intervals cost (1,000 resamples a figure): kept while nothing they are made of changes.
  const key = JSON.stringify([points.length, scores.length, scores.reduce((m, x) => (x.updated_at > m ? x.updated_at : m), ''), criteria, mapping, o.resamples]);
  let agreement = agreementCache.get(e.id);
  if (!agreement || agreement.key !== key) {
    agreement = { key, report: agreementOf(e, criteria, points, scores, mapping, o) };
    agreementCache.delete(e.id);
    agreementCache.set(e.id, agreement);
    if (agreementCache.size > 50) agreementCache.delete(agreementCache.keys().next().value!);
  }
  return { evaluation: e, averages: averageScores(scores), agreement: agreement.report, rows, criteria };
}

/** The latest agreement report of recently viewed evaluations, with what it was computed from. */
const agreementCache = new Map<string, { key: string; report: AgreementReport }>();

export interface Comparison {
  a: { id: string; name: string; created_at: string };
  b: { id: string; name: string; created_at: string };
  group: string;
  /** Average of each score in each evaluation. */
  averages: Array<{ source: ScoreSource; evaluator: string; name: string; a: number | null; b: number | null }>;
  /** Data points matched by index whose output or scores changed. */
  changed: Array<{ index: number; data: unknown; output: { a: unknown; b: unknown }; scores: Array<{ source: ScoreSource; evaluator: string; name: string; a: number | null; b: number | null }> }>;
  /** Data points matched in both. */
  matched: number;
}

/** The data points (matched by index) whose output, or a score both have (automatic, or human aggregate), changed between two evaluations of one group. */
export async function compareEvaluations(store: EvaluationStore, aId: string, bId: string): Promise<Comparison> {
  const [a, b] = await Promise.all([store.require(aId), store.require(bId)]);
  if (a.group !== b.group) throw new FieldError('other', `other: evaluation ${b.id} is in group "${b.group}", not "${a.group}"; only evaluations of one group compare`);
  const [pa, pb, sa, sb] = await Promise.all([store.datapoints(a.id), store.datapoints(b.id), store.scores(a.id), store.scores(b.id)]);
  const scoreMap = (scores: Score[]) => {
    const m = new Map<string, Map<string, { source: ScoreSource; evaluator: string; name: string; value: number | null }>>();
    for (const s of scores) {
      if (s.labeler !== '') continue;
      let dp = m.get(s.datapoint_id);
      if (!dp) m.set(s.datapoint_id, (dp = new Map()));
      dp.set(key(s.source, s.evaluator, s.name), { source: s.source, evaluator: s.evaluator, name: s.name, value: s.value });
    }
    return m;
  };
  const ma = scoreMap(sa);
  const mb = scoreMap(sb);
  const byIndex = new Map(pb.map((p) => [p.index, p]));
  const changed: Comparison['changed'] = [];
  let matched = 0;
  for (const p of pa) {
    const q = byIndex.get(p.index);
    if (!q) continue;
    matched++;
    const x = ma.get(p.id) ?? new Map();
    const y = mb.get(q.id) ?? new Map();
    const scores: Comparison['changed'][number]['scores'] = [];
    // A score counts where both have it: one a run has not got yet (labels to come) is no change.
    for (const [k, s] of x) {
      if (!y.has(k)) continue;
      const vb = y.get(k)!.value;
      if (s.value !== vb) scores.push({ source: s.source, evaluator: s.evaluator, name: s.name, a: s.value, b: vb });
    }
    const outputChanged = JSON.stringify(p.executor_output) !== JSON.stringify(q.executor_output);
    if (scores.length || outputChanged) changed.push({ index: p.index, data: p.data, output: { a: p.executor_output, b: q.executor_output }, scores });
  }
  const avgA = averageScores(sa);
  const avgB = averageScores(sb);
  const avgKeys = new Map<string, { source: ScoreSource; evaluator: string; name: string }>();
  for (const s of [...avgA, ...avgB]) avgKeys.set(key(s.source, s.evaluator, s.name), s);
  const find = (list: typeof avgA, k: string) => list.find((s) => key(s.source, s.evaluator, s.name) === k)?.mean ?? null;
  return {
    a: { id: a.id, name: a.name, created_at: a.created_at },
    b: { id: b.id, name: b.name, created_at: b.created_at },
    group: a.group,
    averages: [...avgKeys].map(([k, s]) => ({ source: s.source, evaluator: s.evaluator, name: s.name, a: find(avgA, k), b: find(avgB, k) })),
    changed,
    matched,
  };
}
