import { describe, expect, it } from 'vitest';
import { parseMetricsLog } from '../../src/report/metricsLog.js';

describe('parseMetricsLog (tolerant metrics.jsonl reading)', () => {
  it('reads every JSON line and restores RunDir\'s "NaN"/"Infinity" strings to numbers', () => {
    const text = '{"step":0,"mi":0.5,"setting":"a"}\n{"step":1,"mi":"NaN","loss":"-Infinity","grad":"Infinity"}\n';
    const { records, problems } = parseMetricsLog(text);
    expect(problems).toEqual([]);
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({ step: 0, mi: 0.5, setting: 'a' });
    expect(records[1].mi).toBeNaN();
    expect(records[1].loss).toBe(-Infinity);
    expect(records[1].grad).toBe(Infinity);
  });

  it('names a garbage line and a truncated last line by number and keeps every other line', () => {
    const text = ['{"step":0,"mi":1}', 'oops', '', '{"step":2,"mi":3}', '[1,2]', '{"mi":4}', '{"step":5,"mi":'].join('\n');
    const { records, problems } = parseMetricsLog(text);
    expect(records.map((r) => r.step)).toEqual([0, 2]);
    expect(problems.map((p) => p.line)).toEqual([2, 5, 6, 7]);
    expect(problems[0].message).toMatch(/^not valid JSON .*"oops"/);
    expect(problems[1].message).toMatch(/expected a JSON object/);
    expect(problems[2].message).toMatch(/no numeric "step"/);
    // the last line has no newline: what a run killed mid-append leaves
    expect(problems[3].message).toMatch(/^truncated last line/);
  });

  it('an empty file is no records and no problems', () => {
    expect(parseMetricsLog('')).toEqual({ records: [], problems: [] });
  });
});
