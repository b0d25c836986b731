// Reading the metrics endpoint as Prometheus would: a GET, then the text
// parsed by a parser of the exposition format (parse-prometheus-text-format,
// prom2json's output shape), and by `promtool check metrics` when promtool
// is installed. Never a regex of our own.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

export interface MetricSample {
  readonly labels?: Record<string, string>;
  /** Counters and gauges. */
  readonly value?: string;
  /** Histograms. */
  readonly count?: string;
  readonly sum?: string;
  readonly buckets?: Record<string, string>;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  readonly metrics: readonly MetricSample[];
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => MetricFamily[];

export interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

export async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** The families of an exposition; throws when the parser or promtool (if present) refuses it. */
export function parseExposition(text: string): MetricFamily[] {
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  // ENOENT: promtool is not installed; its lint findings (exit 3) are advice, a parse failure is exit 1.
  if (promtool.error === undefined && promtool.status === 1) throw new Error(`promtool check metrics refused the text:\n${promtool.stderr}`);
  const families = parse(text);
  if (families.length === 0) throw new Error('the exposition has no metric families');
  return families;
}

/**
 * The samples of every series, histograms' `_bucket`, `_count` and `_sum`
 * as series of their own. The parser folds a labelled histogram's samples
 * into one object and loses their labels (its flattening is prom2json's for
 * unlabelled ones), so the text is parsed again with the histogram TYPE
 * lines left out: the parser then reads those samples as untyped series,
 * each with its labels.
 */
export function parseSamples(text: string): MetricFamily[] {
  parseExposition(text);
  const untyped = text.split('\n').filter((line) => !/^# TYPE \S+ histogram$/.test(line)).join('\n');
  return parse(untyped);
}

/** The value of a counter or gauge sample whose labels are exactly `labels`; undefined when absent. */
export function sampleValue(families: readonly MetricFamily[], name: string, labels: Record<string, string>): number | undefined {
  const family = families.find((f) => f.name === name);
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const sample = family?.metrics.find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === wanted);
  return sample?.value === undefined ? undefined : Number(sample.value);
}
