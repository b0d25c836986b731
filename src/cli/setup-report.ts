// What `apply` prints: the diff for people (one line per object, values as
// JSON so that a string, a number and null never look alike), its problems
// as FILE:LINE:COLUMN lines, and the same as one JSON document (--json).

import type { ObjectName, SetupProblem, SetupStep } from '../data/setup/index.js';
import { terminalSafe } from './terminal-text.js';

const KIND_WORDS: Record<ObjectName['kind'], string> = {
  environment: 'environment',
  vendor: 'vendor',
  connection: 'connection',
  destination_set: 'destination set',
  routing_group: 'routing group',
  entry: 'entry',
};

/** `connection "carrier-a-lon" of vendor "Carrier A"`, `entry "carrier-a-lon" (vendor "Carrier A") → "A-World" of routing group "Group 1"`. */
export function describeObject(o: ObjectName): string {
  if (o.kind === 'environment') return `environment ${o.name}`;
  if (o.kind === 'entry') return `entry ${JSON.stringify(o.name)}${o.vendor === undefined ? '' : ` (vendor ${JSON.stringify(o.vendor)})`} → ${JSON.stringify(o.destination_set)} of routing group ${JSON.stringify(o.routing_group)}`;
  return `${KIND_WORDS[o.kind]} ${JSON.stringify(o.name)}${o.kind === 'connection' ? ` of vendor ${JSON.stringify(o.vendor)}` : ''}`;
}

function value(v: unknown): string {
  return v === undefined ? 'null' : JSON.stringify(v);
}

function stepLine(step: SetupStep): string {
  const what = describeObject(step.object);
  switch (step.action) {
    case 'add': {
      // NULL is what a field left out means: an addition shows what is set.
      const fields = Object.entries(step.values).filter(([, v]) => v !== null).map(([f, v]) => `${f} ${value(v)}`).join(', ');
      return `+ ${what}${fields === '' ? '' : `: ${fields}`}`;
    }
    case 'change':
      return `~ ${what}: ${step.changes.map((c) => `${c.field} ${value(c.from)} → ${value(c.to)}`).join(', ')}`;
    case 'remove':
      return `- ${what}${step.note === undefined ? '' : ` (${step.note})`}`;
    case 'keep':
      return `= ${what}: ${step.why}`;
    case 'refuse':
      return `! ${what}: cannot be removed: ${step.reason}`;
  }
}

export interface StepCounts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly kept: number;
  readonly refused: number;
}

export function countSteps(steps: readonly SetupStep[]): StepCounts {
  const n = (action: SetupStep['action']): number => steps.filter((s) => s.action === action).length;
  return { added: n('add'), changed: n('change'), removed: n('remove'), kept: n('keep'), refused: n('refuse') };
}

/** The diff, one line per object: what is written first, then what stays as it is, then what may not go. */
export function formatDiff(environment: number, steps: readonly SetupStep[]): string {
  const c = countSteps(steps);
  const lines = [`environment ${environment}: ${c.added} to add, ${c.changed} to change, ${c.removed} to remove${c.kept > 0 ? `, ${c.kept} left alone` : ''}`];
  for (const action of ['add', 'change', 'remove', 'keep', 'refuse'] as const) {
    for (const step of steps) if (step.action === action) lines.push(`  ${stepLine(step)}`);
  }
  return `${lines.map(terminalSafe).join('\n')}\n`;
}

export function formatProblem(file: string, p: SetupProblem): string {
  return terminalSafe(`${file}:${p.line}:${p.column}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
}

/** The --json document of an apply: the diff by action, or the problems. */
export function applyDocument(
  file: string,
  environment: number | undefined,
  outcome: { status: string; steps?: readonly SetupStep[]; problems?: readonly SetupProblem[] },
  options: { dryRun: boolean; prune: boolean },
): Record<string, unknown> {
  const steps = outcome.steps ?? [];
  const of = <A extends SetupStep['action']>(action: A): Extract<SetupStep, { action: A }>[] => steps.filter((s): s is Extract<SetupStep, { action: A }> => s.action === action);
  return {
    file,
    environment: environment ?? null,
    status: outcome.status,
    dry_run: options.dryRun,
    prune: options.prune,
    added: of('add').map((s) => ({ ...s.object, values: s.values })),
    changed: of('change').map((s) => ({ ...s.object, changes: s.changes })),
    removed: of('remove').map((s) => ({ ...s.object, ...(s.note === undefined ? {} : { note: s.note }) })),
    not_in_file: of('keep').map((s) => ({ ...s.object, why: s.why })),
    refused: of('refuse').map((s) => ({ ...s.object, reason: s.reason })),
    errors: (outcome.problems ?? []).map((p) => ({ file, ...p })),
  };
}
