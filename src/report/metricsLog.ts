/**
 * Tolerant reading of metrics.jsonl for reports. A run killed mid-write can leave a truncated last
 * line, and a disk hiccup or a stray print a garbage one; the report charts every line that parses
 * and names each one that does not, instead of failing the whole page.
 */

/** One logged step: numbers (non-finite ones restored from RunDir's "NaN"/"Infinity" strings) and labels. */
export type MetricRecord = Record<string, number | string | boolean | null>;

export interface LineProblem {
  /** 1-based line number in metrics.jsonl. */
  line: number;
  message: string;
}

export interface MetricsLog {
  records: MetricRecord[];
  problems: LineProblem[];
}

// RunDir.appendMetrics writes non-finite numbers as these strings (JSON has no NaN/Infinity).
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** Parses metrics.jsonl text: one JSON object per line; blank lines are skipped silently. */
export function parseMetricsLog(text: string): MetricsLog {
  const records: MetricRecord[] = [];
  const problems: LineProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const lineNo = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      // the last line without its newline is what a run killed mid-append leaves behind
      const truncated = i === lines.length - 1 && !text.endsWith('\n');
      problems.push({ line: lineNo, message: `${truncated ? 'truncated last line' : 'not valid JSON'} (${(e as Error).message}): ${excerpt(line)}` });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ line: lineNo, message: `expected a JSON object, got ${excerpt(line)}` });
      return;
    }
    const rec: MetricRecord = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string' && v in NON_FINITE) rec[k] = NON_FINITE[v];
      else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) rec[k] = v;
      // nested values (none are logged today) are not charted
    }
    if (typeof rec.step !== 'number' || !Number.isFinite(rec.step)) {
      problems.push({ line: lineNo, message: `no numeric "step" field: ${excerpt(line)}` });
      return;
    }
    records.push(rec);
  });
  return { records, problems };
}

function excerpt(s: string, n = 80): string {
  return JSON.stringify(s.length > n ? `${s.slice(0, n)}…` : s);
}
