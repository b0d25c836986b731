// `--environments 1,2,3`, shared by check and supervise.

import { SippyError } from '../errors.js';
import { MAX_ENVIRONMENT } from '../limits.js';

export function parseEnvironmentList(command: string, text: string): number[] {
  const items = text.split(',');
  const ids = items.map((item) => (/^[1-9][0-9]{0,9}$/.test(item.trim()) ? Number(item.trim()) : NaN));
  const bad = items.find((_, i) => !(ids[i]! <= MAX_ENVIRONMENT));
  if (bad !== undefined) throw new SippyError('USAGE', `${command}: --environments: expected ids like 1,2,3, got ${JSON.stringify(bad)}`);
  return [...new Set(ids)];
}
