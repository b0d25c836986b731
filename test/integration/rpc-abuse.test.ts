import { expect } from 'chai';
import { randomInt } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import { call, FakeResolver, makeSpec, makeTempDir, post, type HttpAnswer, type TempDir } from '../harness/rpc.js';
import { seededRandom } from '../../src/seeded-random.js';

const LIMIT = 65536;
/**
 * Fuzzed requests per run. The seed is new every run (printed), so runs add
 * up to more cases; 3,000 per run reach every kind of case many times over
 * (10,000 took 11 s of the suite).
 */
const FUZZ_CASES = 3000;

describe('rpc listener: abuse', () => {
  let dir: TempDir;
  let listener: Listener;
  let socketPath: string;

  before(async () => {
    dir = makeTempDir();
    socketPath = join(dir.path, 'rpc.sock');
    listener = new Listener(
      makeSpec({ kind: 'unix', path: socketPath }, { limits: { bodyLimitBytes: LIMIT, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 5000 } }),
      new FakeResolver(),
      silentLogger,
    );
    await listener.start();
  });

  after(async () => {
    await listener.stop(0);
    dir.remove();
  });

  /** Sends a large body; resolves with the status once the answer arrives (later write errors are the server closing, as it should). */
  function sendLarge(body: Buffer, chunked: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath, method: 'POST', path: '/', agent: false, headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err) => setTimeout(() => reject(err), 200));
      if (chunked) {
        for (let offset = 0; offset < body.length; offset += 65536) req.write(body.subarray(offset, offset + 65536));
        req.end();
      } else {
        req.end(body);
      }
    });
  }

  it('10 MB bodies get 413 without being kept in memory', async function () {
    this.timeout(30_000);
    const body = Buffer.alloc(10 * 1024 * 1024, 0x5b);
    const just = Buffer.concat([Buffer.from(call('ping')), Buffer.alloc(LIMIT, 0x20)]).subarray(0, LIMIT + 1);
    global.gc?.();
    const before = process.memoryUsage();
    const statuses = await Promise.all([true, false, true, false, true, false].map((chunked) => sendLarge(body, chunked)));
    expect(statuses).to.deep.equal([413, 413, 413, 413, 413, 413]);
    expect(await sendLarge(just, false), 'one byte over the limit').to.equal(413);
    const after = process.memoryUsage();
    // A loose correctness bound: 60 MB went through; buffering would keep most of it.
    expect(after.rss - before.rss, 'RSS growth').to.be.below(50 * 1024 * 1024);
    expect(after.heapUsed - before.heapUsed, 'heap growth').to.be.below(50 * 1024 * 1024);
    const answer = await post({ socketPath }, call('ping'));
    expect(answer.status).to.equal(200);
  });

  it('a body exactly at the limit is read and parsed', async () => {
    const text = call('ping');
    const body = text + ' '.repeat(LIMIT - Buffer.byteLength(text));
    expect((await post({ socketPath }, body)).status).to.equal(200);
  });

  it('413 answers carry a JSON-RPC error and close the connection', async () => {
    const answer = await post({ socketPath }, Buffer.alloc(LIMIT + 1, 0x20));
    expect(answer.status).to.equal(413);
    expect(answer.headers.connection).to.equal('close');
    expect(answer.json).to.deep.equal({
      jsonrpc: '2.0',
      error: { code: -32600, message: `Invalid Request: the request body is larger than this listener's limit of ${LIMIT} bytes.` },
      id: null,
    });
  });

  /** Writes `parts` one every `everyMs`; resolves with what the server sent and how long until it closed. */
  function trickle(parts: string[], everyMs: number): Promise<{ received: string; closedAfterMs: number; partsSent: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      let received = '';
      let sent = 0;
      const socket = connect({ path: socketPath });
      const timer = setInterval(() => {
        if (sent < parts.length && !socket.destroyed) socket.write(parts[sent++]!);
      }, everyMs);
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ received, closedAfterMs: Date.now() - started, partsSent: sent });
      });
    });
  }

  it('a client that sends its headers slowly is cut off', async function () {
    this.timeout(10_000);
    const headers = ['POST / HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: ${i}\r\n`), 'Content-Length: 2\r\n\r\n{}'];
    const outcome = await trickle(headers, 100);
    expect(outcome.partsSent, 'cut off before all headers were sent').to.be.below(headers.length);
    expect(outcome.received === '' || outcome.received.startsWith('HTTP/1.1 408'), outcome.received).to.equal(true);
  });

  it('a client that sends its body slowly is cut off by the request timeout', async function () {
    this.timeout(10_000);
    const body = call('ping');
    const parts = [`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`, ...body.split('')];
    const outcome = await trickle(parts, 100);
    expect(outcome.partsSent).to.be.below(parts.length);
    expect(outcome.received === '' || outcome.received.startsWith('HTTP/1.1 408'), outcome.received).to.equal(true);
  });

  describe('fuzzing', () => {
    it(`${FUZZ_CASES.toLocaleString('en-US')} fuzzed requests over keep-alive connections each get a well-formed answer; the listener keeps serving`, async function () {
      this.timeout(60_000);
      const seed = process.env.SIPPY_FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.SIPPY_FUZZ_SEED);
      console.log(`      fuzz seed ${seed} (rerun with SIPPY_FUZZ_SEED=${seed})`);
      const random = seededRandom(seed);
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      const counts = new Map<string, number>();
      try {
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < FUZZ_CASES) {
            const index = next++;
            const { body, method, path } = fuzzCase(random, index);
            let answer: HttpAnswer;
            try {
              answer = await post({ socketPath, agent }, body, { method, path });
            } catch (err) {
              throw new Error(`fuzz case ${index} (seed ${seed}): ${(err as Error).message}; body ${JSON.stringify(body.toString('latin1').slice(0, 200))}`);
            }
            const verdict = wellFormed(answer);
            if (verdict !== undefined) throw new Error(`fuzz case ${index} (seed ${seed}): ${verdict}; body ${JSON.stringify(body.toString('latin1').slice(0, 200))}`);
            counts.set(String(answer.status), (counts.get(String(answer.status)) ?? 0) + 1);
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
      } finally {
        agent.destroy();
      }
      expect([...counts.values()].reduce((a, b) => a + b, 0)).to.equal(FUZZ_CASES);
      expect(counts.get('200')).to.be.above(FUZZ_CASES / 10);
      const answer = await post({ socketPath }, call('getRoutes', { routing_group: 'after', cld: '1' }));
      expect((answer.json as { result: { routing_group: { name: string } } }).result.routing_group.name).to.equal('after');
      expect(listener.stats().state).to.equal('listening');
    });
  });
});


const SQLISH = ["'; DROP TABLE routes; --", '1 OR 1=1', "' UNION SELECT password FROM mysql.user --", '%', '_', '\\', '\u0000', 'SLEEP(10)', '😀'.repeat(20)];

function fuzzCase(random: () => number, index: number): { body: Buffer; method: string; path: string } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (max: number): number => Math.floor(random() * max);
  const value = (): unknown =>
    pick<() => unknown>([
      () => pick(SQLISH),
      () => int(1e6),
      () => -int(1e6) - 0.5,
      () => 1e308,
      () => true,
      () => null,
      () => [pick(SQLISH)],
      () => ({ nested: pick(SQLISH) }),
      () => 'x'.repeat(int(300)),
      () => String(int(1e12)),
    ])();
  const params = (): Record<string, unknown> => {
    const out: Record<string, unknown> = { routing_group: random() < 0.7 ? 'g' : value(), cld: random() < 0.7 ? String(int(1e12)) : value() };
    for (const key of ['cli', 'call_start_time', 'i_environment', 'max_routes', 'explain', 'hops', 'call_id', 'remote_ip', 'unknown']) {
      if (random() < 0.2) out[key] = value();
    }
    return out;
  };
  const request = (): unknown => {
    const base: Record<string, unknown> = { jsonrpc: random() < 0.9 ? '2.0' : value(), method: random() < 0.8 ? pick(['getRoutes', 'ping']) : value(), params: random() < 0.85 ? params() : value() };
    if (random() < 0.85) base.id = random() < 0.8 ? int(1e6) : value();
    return base;
  };
  const text = pick<() => string | Buffer>([
    () => JSON.stringify(request()),
    () => JSON.stringify(request()),
    () => JSON.stringify(Array.from({ length: int(12) }, () => (random() < 0.8 ? request() : value()))),
    () => JSON.stringify(request()).slice(0, int(60)),
    () => Buffer.from(Array.from({ length: int(2000) }, () => int(256))),
    () => '['.repeat(10_000) + ']'.repeat(10_000),
    () => '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
    () => '['.repeat(20_000),
    () => `{"jsonrpc":"2.0","method":"getRoutes","params":{"routing_group":"g","cld":"1","hops":${'9'.repeat(400)}},"id":1}`,
    () => `{"jsonrpc":"2.0","method":"ping","id":1e999}`,
    () => `{"jsonrpc":"2.0","method":"getRoutes","params":{"routing_group":"g","cld":"1","call_start_time":-1e400},"id":${int(9)}}`,
    () => JSON.stringify({ method: 'getRoutes', params: [params()], id: int(100) }),
    () => '',
    () => 'null',
  ])();
  const method = index % 97 === 0 ? pick(['GET', 'PUT', 'DELETE', 'OPTIONS']) : 'POST';
  const path = index % 89 === 0 ? pick(['/x', '/../etc/passwd', '/%00', '//']) : '/';
  return { body: typeof text === 'string' ? Buffer.from(text) : text, method, path };
}

/** undefined when `answer` is a well-formed JSON-RPC answer or HTTP error, else what is wrong. */
function wellFormed(answer: HttpAnswer): string | undefined {
  if (answer.status === 204) return answer.text === '' ? undefined : 'a 204 with a body';
  if (![200, 403, 404, 405, 413].includes(answer.status)) return `unexpected HTTP status ${answer.status}`;
  if (answer.headers['content-type'] !== 'application/json') return 'not application/json';
  const body = answer.json;
  const responses = Array.isArray(body) ? body : [body];
  if (responses.length === 0) return 'an empty batch answer';
  for (const response of responses) {
    const problem = responseProblem(response);
    if (problem !== undefined) return `${problem}: ${answer.text.slice(0, 300)}`;
  }
  if (answer.status !== 200 && (Array.isArray(body) || (body as { error?: unknown }).error === undefined)) return 'an HTTP error without a JSON-RPC error';
  return undefined;
}

function responseProblem(response: unknown): string | undefined {
  if (typeof response !== 'object' || response === null) return 'a response that is not an object';
  const r = response as Record<string, unknown>;
  const idOk = r.id === null || typeof r.id === 'string' || typeof r.id === 'number';
  if (!idOk) return 'a bad id';
  const error = r.error as { code?: unknown; message?: unknown } | null | undefined;
  const errorOk = error === undefined || error === null || (Number.isInteger(error.code) && typeof error.message === 'string');
  if (!errorOk) return 'a malformed error object';
  if (r.jsonrpc === '2.0') return ('result' in r) !== ('error' in r) ? undefined : 'result and error together or neither';
  // JSON-RPC 1.0 form: both members, one of them null.
  return 'result' in r && 'error' in r && (r.result === null) !== (r.error === null) ? undefined : 'a malformed 1.0 response';
}
