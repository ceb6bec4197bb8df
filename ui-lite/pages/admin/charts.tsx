/**
 * Charts drawn on the server as SVG (the pages run no chart script): a scatter of
 * automatic against human scores for numeric criteria, and a heatmap of the confusion
 * matrix for binary and categorical ones. Each has a text alternative for screen readers.
 */

const W = 320;
const H = 320;
const PAD = 44;

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/** Five ticks from lo to hi. */
function ticks(lo: number, hi: number): number[] {
  if (hi === lo) return [lo];
  return [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
}

export function Scatter(props: { points: Array<{ x: number; y: number }>; xLabel: string; yLabel: string; xRange: [number, number]; yRange: [number, number]; title: string }) {
  const [x0, x1] = props.xRange[0] === props.xRange[1] ? [props.xRange[0] - 1, props.xRange[1] + 1] : props.xRange;
  const [y0, y1] = props.yRange[0] === props.yRange[1] ? [props.yRange[0] - 1, props.yRange[1] + 1] : props.yRange;
  const sx = (x: number) => PAD + ((x - x0) / (x1 - x0)) * (W - 2 * PAD);
  const sy = (y: number) => H - PAD - ((y - y0) / (y1 - y0)) * (H - 2 * PAD);
  const sameScale = x0 === y0 && x1 === y1;
  return (
    <svg class="chart scatter" viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={`${props.title}: ${props.points.length} data points, ${props.xLabel} across, ${props.yLabel} up`}>
      <title>{props.title}</title>
      <rect class="plot" x={PAD} y={PAD} width={W - 2 * PAD} height={H - 2 * PAD} />
      {sameScale ? <line class="diagonal" x1={sx(x0)} y1={sy(y0)} x2={sx(x1)} y2={sy(y1)} /> : null}
      {ticks(x0, x1).map((t) => (
        <text class="tick" x={sx(t)} y={H - PAD + 16} text-anchor="middle">
          {fmt(t)}
        </text>
      ))}
      {ticks(y0, y1).map((t) => (
        <text class="tick" x={PAD - 6} y={sy(t) + 4} text-anchor="end">
          {fmt(t)}
        </text>
      ))}
      <text class="axis" x={W / 2} y={H - 6} text-anchor="middle">
        {props.xLabel}
      </text>
      <text class="axis" x={12} y={H / 2} text-anchor="middle" transform={`rotate(-90 12 ${H / 2})`}>
        {props.yLabel}
      </text>
      {props.points.map((p) => (
        <circle class="point" cx={sx(p.x)} cy={sy(p.y)} r={4} />
      ))}
    </svg>
  );
}

export function Heatmap(props: { categories: Array<string | number | boolean>; names?: Record<string, string>; counts: number[][]; rowLabel: string; colLabel: string; title: string }) {
  const k = props.categories.length;
  const cell = Math.min(56, Math.floor((W - 2 * PAD) / Math.max(k, 1)));
  const size = PAD + k * cell + 8;
  const max = Math.max(1, ...props.counts.flat());
  const name = (c: string | number | boolean) => props.names?.[String(c)] ?? String(c);
  return (
    <svg class="chart heatmap" viewBox={`0 0 ${size + 16} ${size + 16}`} width={size + 16} height={size + 16} role="img" aria-label={`${props.title}: rows ${props.rowLabel}, columns ${props.colLabel}`}>
      <title>{props.title}</title>
      <text class="axis" x={PAD + (k * cell) / 2} y={12} text-anchor="middle">
        {props.colLabel}
      </text>
      <text class="axis" x={10} y={PAD + (k * cell) / 2} text-anchor="middle" transform={`rotate(-90 10 ${PAD + (k * cell) / 2})`}>
        {props.rowLabel}
      </text>
      {props.categories.map((c, j) => (
        <text class="tick" x={PAD + j * cell + cell / 2} y={PAD - 6} text-anchor="middle">
          {name(c)}
        </text>
      ))}
      {props.categories.map((c, i) => (
        <text class="tick" x={PAD - 4} y={PAD + i * cell + cell / 2 + 4} text-anchor="end">
          {name(c)}
        </text>
      ))}
      {props.counts.map((row, i) =>
        row.map((n, j) => (
          <g>
            <rect class={i === j ? 'cell diagonal' : 'cell'} x={PAD + j * cell} y={PAD + i * cell} width={cell - 2} height={cell - 2} fill-opacity={String(0.08 + 0.92 * (n / max))} />
            <text class={n / max > 0.55 ? 'count dark' : 'count'} x={PAD + j * cell + cell / 2 - 1} y={PAD + i * cell + cell / 2 + 4} text-anchor="middle">
              {n}
            </text>
          </g>
        )),
      )}
    </svg>
  );
}
