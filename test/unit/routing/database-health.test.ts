import { expect } from 'chai';
import { SippyError } from '../../../src/errors.js';
import { DatabaseHealthLog, RECOVERY_QUIET_MS } from '../../../src/routing/database-health.js';
import type { Resolver, RouteRequest, RouteResult, RtjsonDocument } from '../../../src/routing/contract.js';

const REQUEST: RouteRequest = { routing_group: 'Group 1', cld: '44207', cli: '1', time: new Date('2026-01-15T12:00:00Z'), hops: 0 };
const RESULT: RouteResult = { i_environment: 3, routing_group: { i_routing_group: 1, name: 'Group 1', policy: 'lcr' }, cli: '1', cld: '44207', routes: [] };

/** A resolver that answers from a script of outcomes, one per call. */
function scripted(outcomes: (RouteResult | Error)[]): Resolver & { closed: boolean } {
  return {
    closed: false,
    async resolve() {
      const next = outcomes.shift();
      if (next === undefined) throw new Error('script exhausted');
      if (next instanceof Error) throw next;
      return next;
    },
    async close() {
      this.closed = true;
    },
  };
}

function recorder(): { lines: [string, string, Record<string, unknown> | undefined][]; error: (m: string, f?: Record<string, unknown>) => void; info: (m: string, f?: Record<string, unknown>) => void } {
  const lines: [string, string, Record<string, unknown> | undefined][] = [];
  return { lines, error: (m, f) => lines.push(['error', m, f]), info: (m, f) => lines.push(['info', m, f]) };
}

describe('DatabaseHealthLog', () => {
  it('logs the start of a database outage once and its end once, and answers exactly as the resolver does', async () => {
    const down = new SippyError('DB_UNAVAILABLE', 'database server unreachable at socket /run/db.sock (ECONNREFUSED)', {
      cause: new Error('connect ECONNREFUSED mysql://root:hunter2@x/'),
    });
    const inner = scripted([RESULT, down, down, new SippyError('DB_QUERY_FAILED', 'statement failed'), RESULT, RESULT]);
    const log = recorder();
    let clock = 1000;
    const health = new DatabaseHealthLog(inner, log, () => clock);
    expect(await health.resolve(3, REQUEST)).to.equal(RESULT);
    for (let i = 0; i < 3; i++) {
      clock += 100;
      const err = await health.resolve(3, REQUEST).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(SippyError);
    }
    // Answered, but too soon after the last failure to call the outage over.
    clock += 100;
    expect(await health.resolve(3, REQUEST)).to.equal(RESULT);
    clock += RECOVERY_QUIET_MS;
    expect(await health.resolve(3, REQUEST)).to.equal(RESULT);
    expect(log.lines).to.deep.equal([
      ['error', 'database failing: getRoutes answers -32010 until it is back', {
        i_environment: 3, code: 'DB_UNAVAILABLE',
        error: 'database server unreachable at socket /run/db.sock (ECONNREFUSED): connect ECONNREFUSED mysql://root:***@x/',
      }],
      ['info', 'database available again', { i_environment: 3, failing_ms: 200, failed: 3, answered: 2 }],
    ]);
    await health.close();
    expect(inner.closed).to.equal(true);
  });

  it('does not take other failures for a database outage', async () => {
    const log = recorder();
    const health = new DatabaseHealthLog(scripted([
      new SippyError('ROUTING_GROUP_NOT_FOUND', 'no routing group'),
      new SippyError('RPC_INVALID_PARAMS', 'bad cld'),
      new TypeError('a bug'),
      RESULT,
    ]), log);
    for (let i = 0; i < 3; i++) await health.resolve(1, REQUEST).catch(() => undefined);
    await health.resolve(1, REQUEST);
    expect(log.lines).to.deep.equal([]);
  });

  it('does not flap while failures and answers interleave (a saturated pool, a recovery): one line at each end, with the counts', async () => {
    const down = new SippyError('DB_UNAVAILABLE', 'database pool for socket /run/db.sock is saturated', { data: { code: 'QUEUE_LIMIT' } });
    const outcomes: (RouteResult | Error)[] = [];
    for (let i = 0; i < 300; i++) outcomes.push(i % 3 === 0 ? down : RESULT);
    outcomes.push(RESULT);
    const log = recorder();
    let clock = 0;
    const health = new DatabaseHealthLog(scripted(outcomes), log, () => clock);
    for (let i = 0; i < 300; i++) {
      clock += 10;
      await health.resolve(1, REQUEST).catch(() => undefined);
    }
    clock += RECOVERY_QUIET_MS;
    await health.resolve(1, REQUEST);
    expect(log.lines.map(([level, message]) => [level, message])).to.deep.equal([
      ['error', 'database failing: getRoutes answers -32010 until it is back'],
      ['info', 'database available again'],
    ]);
    expect(log.lines[1]![2]).to.deep.include({ failed: 100, answered: 201 });
  });

  it('a request that began before the last failure does not end the outage', async () => {
    const log = recorder();
    let clock = 0;
    let finishSlow: (r: RouteResult) => void = () => undefined;
    const slow = new Promise<RouteResult>((resolve) => (finishSlow = resolve));
    const calls = [() => slow, async (): Promise<RouteResult> => {
      throw new SippyError('DB_UNAVAILABLE', 'down');
    }];
    const health = new DatabaseHealthLog({ resolve: () => calls.shift()!(), close: async () => undefined }, log, () => clock);
    const pending = health.resolve(1, REQUEST);
    clock += 10;
    await health.resolve(1, REQUEST).catch(() => undefined);
    clock += RECOVERY_QUIET_MS;
    finishSlow(RESULT);
    await pending;
    expect(log.lines.map(([, message]) => message)).to.deep.equal(['database failing: getRoutes answers -32010 until it is back']);
  });

  it('forwards rtjson documents to the resolver\'s own path, noting its failures and answers as getRoutes\'; without one, makes them from getRoutes\' answer', async () => {
    const down = new SippyError('DB_UNAVAILABLE', 'database server unreachable');
    const document: RtjsonDocument = { version: '1.0', routing: 'serial', routes: [{ uri: 'sip:1@gw', dst_uri: 'sip:gw' }] };
    const asked: string[] = [];
    const outcomes: (RtjsonDocument | Error)[] = [document, down, document];
    const inner: Resolver = {
      resolve: () => Promise.reject(new Error('getRoutes asked for an rtjson document')),
      resolveRtjson: (_environment, request) => {
        asked.push(request.cld);
        const next = outcomes.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      close: async () => undefined,
    };
    const log = recorder();
    let clock = 0;
    const health = new DatabaseHealthLog(inner, log, () => clock);
    // Answered from memory: the document itself, not a promise.
    expect(health.resolveRtjson(1, REQUEST)).to.equal(document);
    expect(() => health.resolveRtjson(1, REQUEST)).to.throw(SippyError);
    clock += RECOVERY_QUIET_MS;
    expect(health.resolveRtjson(1, REQUEST)).to.equal(document);
    expect(asked).to.deep.equal(['44207', '44207', '44207']);
    expect(log.lines.map(([level, message]) => [level, message])).to.deep.equal([
      ['error', 'database failing: getRoutes answers -32010 until it is back'],
      ['info', 'database available again'],
    ]);
    const plain = new DatabaseHealthLog(scripted([RESULT]), recorder());
    expect(await plain.resolveRtjson(1, REQUEST)).to.deep.equal({ version: '1.0', routing: 'serial', routes: [] });
  });
});
