import { useId } from "react";

/**
 * Server-rendered SVG charts (no script, no other host). Each chart has a title and a
 * description for screen readers, and the numbers are also given as a table beside it.
 */
export function BarChart({
  title,
  points,
  label,
  height = 160,
}: {
  title: string;
  points: Array<{ label: string; n: number }>;
  label: (i: number) => string | null;
  height?: number;
}) {
  const width = 640;
  const padBottom = 28;
  const padLeft = 40;
  const max = Math.max(1, ...points.map((p) => p.n));
  const step = (width - padLeft) / Math.max(1, points.length);
  const barWidth = Math.max(1, step * 0.8);
  const plotHeight = height - padBottom - 8;
  const ticks = [0, Math.ceil(max / 2), max];
  // Not derived from the title: a Russian or Kazakh title has no \w characters, and every
  // chart would get the same id (and screen readers the first chart's name).
  const id = useId();
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t`} width="100%" preserveAspectRatio="xMidYMid meet">
        <title id={`${id}-t`}>{title}</title>
        {ticks.map((t) => {
          const y = 8 + plotHeight - (t / max) * plotHeight;
          return (
            <g key={t}>
              <line x1={padLeft} x2={width} y1={y} y2={y} stroke="#d5dbe1" strokeWidth="1" />
              <text x={padLeft - 6} y={y + 4} textAnchor="end" fontSize="11" fill="#505a66">
                {t}
              </text>
            </g>
          );
        })}
        {points.map((p, i) => {
          const h = (p.n / max) * plotHeight;
          const x = padLeft + i * step + (step - barWidth) / 2;
          const l = label(i);
          return (
            <g key={i}>
              <rect x={x} y={8 + plotHeight - h} width={barWidth} height={h} fill="#1d4e89">
                <title>{`${p.label}: ${p.n}`}</title>
              </rect>
              {l ? (
                <text x={x + barWidth / 2} y={height - 10} textAnchor="middle" fontSize="11" fill="#505a66">
                  {l}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

/**
 * A bar's label, at most 26 characters (the full one is in the table under the chart): cut
 * between whole characters, never inside a surrogate pair (a lone half shows as "�") nor between
 * a letter and its combining marks (a tower of them, or a letter losing its accent).
 */
export function shortLabel(label: string, max = 26): string {
  const chars = Array.from(label);
  if (chars.length <= max) return label;
  let end = max - 1;
  while (end > 0 && /[\p{M}\u200d]/u.test(chars[end]!)) end--;
  return `${chars.slice(0, end).join("")}…`;
}

/**
 * Horizontal bars with their labels, for places. Drawn for a half-width column (two sit side
 * by side), so that its 12-unit text shows at about 12 px instead of shrinking to half that.
 */
export function HBarChart({ title, rows }: { title: string; rows: Array<{ label: string; n: number }> }) {
  const width = 380;
  const rowHeight = 24;
  const labelWidth = 170;
  const max = Math.max(1, ...rows.map((r) => r.n));
  const height = rows.length * rowHeight + 8;
  // Not derived from the title: a Russian or Kazakh title has no \w characters, and every
  // chart would get the same id (and screen readers the first chart's name).
  const id = useId();
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t`} width="100%">
        <title id={`${id}-t`}>{title}</title>
        {rows.map((r, i) => {
          const w = ((width - labelWidth - 44) * r.n) / max;
          const y = 4 + i * rowHeight;
          return (
            <g key={i}>
              <text x={labelWidth - 8} y={y + 15} textAnchor="end" fontSize="12" fill="#1b1f24">
                {shortLabel(r.label)}
              </text>
              <rect x={labelWidth} y={y + 3} width={Math.max(1, w)} height={rowHeight - 8} fill="#1e6b3a" />
              <text x={labelWidth + w + 6} y={y + 15} fontSize="12" fill="#1b1f24">
                {r.n}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}
