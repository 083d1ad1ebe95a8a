/**
 * Our per-level statistics beside a reference set's (src/experiments/referenceNumbers.ts), as a
 * markdown section appended to an experiment's table.md.
 */
import type { ReferenceSet } from './referenceNumbers.js';

/** A row of an mi-benchmark table (the fields this section reads). */
interface OurRow {
  estimator?: unknown;
  trueMI?: unknown;
  bias?: unknown;
  variance?: unknown;
  mse?: unknown;
  diverged?: unknown;
}

const fmt = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toExponential(1) : v.toFixed(2)) : '–');

/**
 * One line per (reference estimator, level) that we ran: bias, variance and MSE, ours then theirs.
 * A reference cell the source leaves blank prints as "≥ 100"; a level where ours diverged says so.
 */
export function referenceComparisonMarkdown(id: string, set: ReferenceSet, rows: OurRow[]): string {
  const lines = [
    `## Beside the reference numbers (${id})`,
    '',
    `Reference: ${set.source}. Their statistics: ${set.statistics}.`,
    '',
    '| estimator (ours) | reference | true MI | bias ours | bias ref | variance ours | variance ref | MSE ours | MSE ref |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const notes: string[] = [];
  const ref = (v: number | null) => (v === null ? '≥ 100' : v.toFixed(2));
  for (const r of set.rows) {
    const mine = rows.filter((o) => o.estimator === r.ours);
    if (mine.length === 0) continue;
    if (r.note) notes.push(`- ${r.name}: ${r.note}.`);
    set.levels.forEach((level, i) => {
      const o = mine.find((m) => typeof m.trueMI === 'number' && Math.abs(m.trueMI - level) < 1e-9);
      if (!o) return;
      const cells = o.diverged
        ? ['diverged', ref(r.bias[i]), '–', ref(r.variance[i]), '–', ref(r.mse[i])]
        : [fmt(o.bias), ref(r.bias[i]), fmt(o.variance), ref(r.variance[i]), fmt(o.mse), ref(r.mse[i])];
      lines.push(`| ${r.ours} | ${r.name} | ${level} | ${cells.join(' | ')} |`);
    });
  }
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n') + '\n';
}
