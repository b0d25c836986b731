// The supervisor's view of its listeners' databases: probed once per DSN at
// start and after every reload that changed something, with a warning in
// the log for each problem and for each external group whose local URI no
// listener serves; refreshed for `status`. Never in the way: a reload does
// not wait for it, and the database may come later (starting still
// succeeds).

import type { ListenerSpec } from '../econfig/listener-spec.js';
import type { Logger } from '../log.js';
import { probeDatabase, type DatabaseCheck, type ProbeResult } from './database-probe.js';
import { unservedExternalUris, type ExternalGroup } from './external-uris.js';

/** How long `status` trusts a probe before making a new one, and how long it waits for one. */
const STATUS_MAX_AGE_MS = 2000;
const STATUS_WAIT_MS = 1500;

interface Target {
  readonly snapshot: boolean;
  readonly environments: number[];
  readonly timeoutMs: number;
}

export class DatabaseWatch {
  private readonly latest = new Map<string, DatabaseCheck>();
  private probing: Promise<Map<string, ProbeResult>> | undefined;
  private probedAt = 0;

  constructor(private readonly defaultDsn: string | undefined, private readonly logger: Logger) {}

  /** The check of a listener's database, undefined before its first probe. */
  checkOf(spec: ListenerSpec): DatabaseCheck | undefined {
    const dsn = spec.dsn ?? this.defaultDsn;
    return dsn === undefined ? undefined : this.latest.get(dsn);
  }

  /** After a reload that changed something: probe, then log every problem found. */
  async afterReload(specs: ReadonlyMap<number, ListenerSpec>): Promise<void> {
    // A probe that status started may predate this reload's listeners.
    await this.idle();
    const results = await this.probe(specs);
    const groups: ExternalGroup[] = [];
    for (const [dsn, { check, groups: found }] of results) {
      const environments = [...specs].filter(([, spec]) => (spec.dsn ?? this.defaultDsn) === dsn).map(([env]) => env);
      if (check.problem !== null) this.logger.warn(`database ${check.dsn}: ${check.problem}`, { environments: environments.join(',') });
      if (found === undefined) {
        this.logger.warn(`external groups of environment ${environments.join(',')} not checked: the database ${check.dsn} cannot be read`);
      } else {
        groups.push(...found);
      }
    }
    for (const warning of unservedExternalUris(groups, specs)) this.logger.warn(warning);
  }

  /** For `status`: a fresh probe when the last one is old, waited for briefly (a hanging server must not hang status). */
  async refresh(specs: ReadonlyMap<number, ListenerSpec>): Promise<void> {
    if (this.probing === undefined && Date.now() - this.probedAt < STATUS_MAX_AGE_MS) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.probe(specs), new Promise((resolve) => (timer = setTimeout(resolve, STATUS_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Waits for a probe in flight (at stop, before the log closes). */
  async idle(): Promise<void> {
    await this.probing?.catch(() => undefined);
  }

  /** One probe per DSN in use; concurrent callers share the one in flight. */
  private probe(specs: ReadonlyMap<number, ListenerSpec>): Promise<Map<string, ProbeResult>> {
    if (this.probing !== undefined) return this.probing;
    const targets = new Map<string, Target>();
    for (const [environment, spec] of specs) {
      const dsn = spec.dsn ?? this.defaultDsn;
      if (dsn === undefined) continue;
      const target = targets.get(dsn) ?? { snapshot: false, environments: [], timeoutMs: spec.limits.dbTimeoutMs };
      targets.set(dsn, { snapshot: target.snapshot || spec.limits.dataSource === 'snapshot', environments: [...target.environments, environment], timeoutMs: Math.min(target.timeoutMs, spec.limits.dbTimeoutMs) });
    }
    const probing = (async () => {
      const results = new Map<string, ProbeResult>();
      await Promise.all([...targets].map(async ([dsn, target]) => {
        const result = await probeDatabase({ dsn, ...target });
        results.set(dsn, result);
        this.latest.set(dsn, result.check);
      }));
      for (const dsn of [...this.latest.keys()]) if (!targets.has(dsn)) this.latest.delete(dsn);
      this.probedAt = Date.now();
      return results;
    })().finally(() => {
      this.probing = undefined;
    });
    this.probing = probing;
    return probing;
  }
}
