// The econfig corpus: test/econfig-corpus/NAME.econfig with its expected
// outcome in NAME.golden.json. A corpus file may name its environments in a
// first-line comment `# environments: 1,3,4` (default 1,2,3). Tests run from
// dist/, so the corpus is located in the source tree relative to this file.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatEconfigError, loadEconfig, type EconfigResult } from '../../src/econfig/index.js';

export const CORPUS_DIR = fileURLToPath(new URL('../../../test/econfig-corpus/', import.meta.url));
export const CORPUS_RUNDIR = '/var/run';

export interface CorpusCase {
  readonly name: string;
  readonly path: string;
  readonly goldenPath: string;
  readonly text: string;
  readonly environments: number[];
}

/** What a golden file records: the outcome a reviewer can read line by line. */
export interface Golden {
  readonly ok: boolean;
  readonly environments: readonly {
    i_environment: number;
    enabled: boolean;
    evaluated?: false;
    argv?: readonly string[];
    socket?: string;
    allow?: readonly string[];
    tls?: { cert: string; key: string };
  }[];
  readonly errors: readonly string[];
}

export function corpusCases(): CorpusCase[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.econfig'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.econfig$/, '');
      const text = readFileSync(CORPUS_DIR + file, 'utf8');
      const header = /^# environments: ([0-9,]+)$/m.exec(text.split('\n')[0] ?? '');
      const environments = header === null ? [1, 2, 3] : header[1]!.split(',').map(Number);
      return { name, path: CORPUS_DIR + file, goldenPath: `${CORPUS_DIR}${name}.golden.json`, text, environments };
    });
}

export function loadCase(c: CorpusCase): EconfigResult {
  return loadEconfig(c.text, { file: `${c.name}.econfig`, environments: c.environments, rundir: CORPUS_RUNDIR });
}

export function goldenOf(result: EconfigResult): Golden {
  return {
    ok: result.ok,
    environments: result.environments.map((env) => ({
      i_environment: env.i_environment,
      enabled: env.enabled,
      ...(env.evaluated ? {} : { evaluated: false }),
      ...(env.argv === undefined ? {} : { argv: env.argv }),
      ...(env.spec === undefined ? {} : { socket: env.spec.socket, allow: env.spec.allow }),
      ...(env.spec?.tls === undefined ? {} : { tls: env.spec.tls }),
    })),
    errors: result.errors.map(formatEconfigError),
  };
}
