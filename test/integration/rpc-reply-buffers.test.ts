// Answers are written to pooled buffers that the HTTP front gives back once
// the socket has taken their bytes (routing/answer/reply-buffers.ts), and the next
// answers are written over them. A buffer given back too early would show as
// one answer's bytes in another's reply: under concurrent and pipelined
// load, every reply must be exactly the answer to its own request, over a
// UNIX socket and over HTTPS (TLS keeps the bytes it has not yet encrypted),
// with clients that reset their connection in the middle of a reply (no
// 'finish': the buffer is never given back) and batches (each answer's
// buffer given back once copied) among them.

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { silentLogger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import { replyBuffers, type RouteRequest } from '../../src/routing/index.js';
import { useFreshDatabase } from '../harness/database.js';
import { startListenerRig, type ListenerRig } from '../harness/listener-rig.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { call, makeSpec, makeTempDir, pipelinedPosts, post, type TempDir } from '../harness/rpc.js';

const SETS = 12;
/** Requests a TLS client keeps unanswered at once (harness pipelinedPosts: Node's HTTPS server fails a client far ahead). */
const TLS_WINDOW = 32;
const TIME = '2026-01-01T00:00:00Z';

/** Request i: one of the groups, a CLD that picks routes of different lengths and prices, and numbers of its own. */
function paramsOf(i: number): { routing_group: string; cld: string; cli: string; call_start_time: string } {
  return { routing_group: `G${i % 3}`, cld: `4${i % 10}${(i * 7) % 10}${i}`, cli: `${1000 + i}`, call_start_time: TIME };
}

describe('pooled reply buffers: every reply is its own answer', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let rig: ListenerRig | undefined;
  let socketPath: string;
  let tlsListener: Listener | undefined;
  let tlsPort: number;
  let ca: Buffer;

  before(async () => {
    const fixture = new RoutingFixture(database().db, 2);
    await fixture.environmentRow();
    const vendor = await fixture.vendor('Carrier');
    const groups = [await fixture.group({ name: 'G0' }), await fixture.group({ name: 'G1', policy: 'prefix,lcr' }), await fixture.group({ name: 'G2', policy: 'preference,lcr' })];
    for (let s = 0; s < SETS; s++) {
      const connection = await fixture.connection({ vendor, name: `carrier-${s}`, cli_translation_rule: s % 4 === 0 ? 's/^/00/' : null });
      const set = await fixture.destinationSet({ name: `set ${s}` });
      for (let d = 0; d < 10; d++) {
        await fixture.route(set, { prefix: `4${d}`, price_1: `0.${String(10_000 + s * 37 + d).slice(1)}00`, preference: (s + d) % 4 });
        await fixture.route(set, { prefix: `4${d}${(s + d) % 10}`, price_1: `0.0${s}${d}000`, huntstop: s === 11 && d === 3 });
      }
      for (const group of groups) await fixture.entry(group, connection, set, { entry_order: s % 3 });
    }
    dir = makeTempDir('sr-reply-buffers-');
    socketPath = join(dir.path, 'sr.sock');
    const spec = makeSpec({ kind: 'unix', path: socketPath }, { limits: { dataSource: 'snapshot' } });
    rig = await startListenerRig({ dsn: database().dsn, spec, snapshot: true });
    // The HTTPS listener answers from the rig's resolver: the same snapshot and the same reply buffers.
    const tls = { cert: join(dir.path, 'cert.pem'), key: join(dir.path, 'key.pem') };
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', tls.key, '-out', tls.cert, '-days', '2', '-subj', '/CN=replies', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    ca = readFileSync(tls.cert);
    tlsListener = new Listener(makeSpec({ kind: 'https', host: '127.0.0.1', port: 0 }, { tls, allow: ['127.0.0.1/32'], limits: { dataSource: 'snapshot' } }), rig.resolver, silentLogger);
    await tlsListener.start();
    tlsPort = (tlsListener.address() as AddressInfo).port;
  });

  after(async () => {
    // Before the rig, which closes the resolver the HTTPS listener answers from.
    await tlsListener?.stop(0);
    await rig?.close();
    dir?.remove();
  });

  /** What request i must be answered with, from the same resolver in-process. */
  async function expected(i: number): Promise<string> {
    const p = paramsOf(i);
    const request: RouteRequest = { routing_group: p.routing_group, cld: p.cld, cli: p.cli, time: new Date(TIME), hops: 0 };
    return JSON.stringify({ jsonrpc: '2.0', id: i, result: await rig!.resolver.resolve(2, request) });
  }

  /** A TLS connection to the HTTPS listener. */
  function tlsSocket(): Socket {
    return tlsConnect({ host: '127.0.0.1', port: tlsPort, ca });
  }

  /** One request over HTTPS, a connection of its own; the body as text. */
  function postTls(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, ca, agent: false, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * Pipelines `count` requests on a connection and resets it once the first
   * bytes of a reply have come: the replies after it are cut mid-write. Resolves when it is closed.
   */
  function resetMidReply(open: () => { socket: Socket; reset: () => void }, first: number, count: number): Promise<void> {
    return new Promise((resolve) => {
      const { socket, reset } = open();
      socket.on('error', () => undefined);
      socket.once('data', () => reset());
      socket.on('close', () => resolve());
      const bodies = Array.from({ length: count }, (_, k) => call('getRoutes', paramsOf(first + k), first + k));
      socket.write(bodies.map((body) => `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`).join(''));
    });
  }

  /** A TLS connection whose TCP socket is reset (RST), not closed. */
  function tlsResetting(): { socket: Socket; reset: () => void } {
    const raw = netConnect({ host: '127.0.0.1', port: tlsPort });
    raw.on('error', () => undefined);
    return { socket: tlsConnect({ socket: raw, ca, servername: undefined }), reset: () => raw.resetAndDestroy() };
  }

  /** A UNIX connection dropped while the daemon writes to it. */
  function unixResetting(): { socket: Socket; reset: () => void } {
    const socket = netConnect(socketPath);
    return { socket, reset: () => socket.destroy() };
  }

  /** Every text is the answer to request first + k. */
  async function expectAnswers(texts: readonly string[], first: number, what: string): Promise<void> {
    for (const [k, text] of texts.entries()) {
      const want = await expected(first + k);
      if (text !== want) expect(text, `${what} request ${first + k}`).to.equal(want);
    }
  }

  it('2,000 requests pipelined on each of 8 connections at once, and 16 clients of single requests meanwhile', async () => {
    const reusedBefore = replyBuffers.reused;
    const pipes = Array.from({ length: 8 }, (_, c) => pipelinedPosts(socketPath, Array.from({ length: 2000 }, (_, k) => call('getRoutes', paramsOf(c * 2000 + k), c * 2000 + k))));
    const singles = Array.from({ length: 16 }, async (_, c) => {
      const texts: string[] = [];
      for (let k = 0; k < 50; k++) texts.push((await post({ socketPath }, call('getRoutes', paramsOf(100_000 + c * 50 + k), 100_000 + c * 50 + k))).text);
      return texts;
    });
    const pipeTexts = (await Promise.all(pipes)).flat();
    const singleTexts = (await Promise.all(singles)).flat();
    let routes = 0;
    for (const [i, text] of pipeTexts.entries()) {
      const want = await expected(i);
      if (text !== want) expect(text, `request ${i}`).to.equal(want);
      routes += (JSON.parse(text) as { result: { routes: unknown[] } }).result.routes.length;
    }
    for (const [k, text] of singleTexts.entries()) {
      const want = await expected(100_000 + k);
      if (text !== want) expect(text, `single request ${k}`).to.equal(want);
    }
    expect(routes / pipeTexts.length, 'answers of several routes').to.be.above(5);
    // The buffers went back to the pool and were written again, most of the 16,800 times.
    expect(replyBuffers.reused - reusedBefore).to.be.above(10_000);
  });

  it('over HTTPS: 1,000 requests pipelined on each of 4 TLS connections, and 8 clients of single requests meanwhile', async () => {
    const reusedBefore = replyBuffers.reused;
    const pipes = Array.from({ length: 4 }, (_, c) => pipelinedPosts(tlsSocket, Array.from({ length: 1000 }, (_, k) => call('getRoutes', paramsOf(200_000 + c * 1000 + k), 200_000 + c * 1000 + k)), TLS_WINDOW));
    const singles = Array.from({ length: 8 }, async (_, c) => {
      const texts: string[] = [];
      for (let k = 0; k < 25; k++) texts.push(await postTls(call('getRoutes', paramsOf(300_000 + c * 25 + k), 300_000 + c * 25 + k)));
      return texts;
    });
    const pipeTexts = await Promise.all(pipes);
    const singleTexts = await Promise.all(singles);
    for (const [c, texts] of pipeTexts.entries()) await expectAnswers(texts, 200_000 + c * 1000, `TLS connection ${c}`);
    for (const [c, texts] of singleTexts.entries()) await expectAnswers(texts, 300_000 + c * 25, `TLS client ${c}`);
    expect(replyBuffers.reused - reusedBefore).to.be.above(2000);
  });

  it('clients that reset their connection in the middle of replies (TCP under TLS, and UNIX) leave every other reply exact', async () => {
    const resets: Promise<void>[] = [];
    for (let c = 0; c < 6; c++) {
      resets.push(resetMidReply(tlsResetting, 400_000 + c * 500, 500));
      resets.push(resetMidReply(unixResetting, 410_000 + c * 500, 500));
    }
    const pipes = [
      ...Array.from({ length: 3 }, (_, c) => pipelinedPosts(tlsSocket, Array.from({ length: 800 }, (_, k) => call('getRoutes', paramsOf(500_000 + c * 1000 + k), 500_000 + c * 1000 + k)), TLS_WINDOW)),
      ...Array.from({ length: 3 }, (_, c) => pipelinedPosts(socketPath, Array.from({ length: 800 }, (_, k) => call('getRoutes', paramsOf(510_000 + c * 1000 + k), 510_000 + c * 1000 + k)))),
    ];
    await Promise.all(resets);
    const texts = await Promise.all(pipes);
    for (const [c, t] of texts.entries()) await expectAnswers(t, c < 3 ? 500_000 + c * 1000 : 510_000 + (c - 3) * 1000, `connection ${c}`);
    // The listener serves on, from a pool that holds no more than its bound.
    await expectAnswers([await postTls(call('getRoutes', paramsOf(600_000), 600_000))], 600_000, 'after the resets');
    expect(replyBuffers.freeCount).to.be.at.most(256);
  });

  it('batches pipelined among single requests: each batch and each reply exact while the batch\'s buffers are written again', async () => {
    const BATCH = 6;
    const batchBody = (n: number): string => `[${Array.from({ length: BATCH }, (_, k) => call('getRoutes', paramsOf(700_000 + n * BATCH + k), 700_000 + n * BATCH + k)).join(',')}]`;
    const batches = Array.from({ length: 4 }, (_, c) => (c % 2 === 0 ? pipelinedPosts(socketPath, Array.from({ length: 200 }, (_, k) => batchBody(c * 200 + k))) : pipelinedPosts(tlsSocket, Array.from({ length: 200 }, (_, k) => batchBody(c * 200 + k)), TLS_WINDOW / BATCH)));
    const singles = Array.from({ length: 2 }, (_, c) => pipelinedPosts(socketPath, Array.from({ length: 1000 }, (_, k) => call('getRoutes', paramsOf(800_000 + c * 1000 + k), 800_000 + c * 1000 + k))));
    const batchTexts = await Promise.all(batches);
    for (const [c, texts] of batchTexts.entries()) {
      for (const [k, text] of texts.entries()) {
        const n = c * 200 + k;
        const want = `[${(await Promise.all(Array.from({ length: BATCH }, (_, j) => expected(700_000 + n * BATCH + j)))).join(',')}]`;
        if (text !== want) expect(text, `batch ${n}`).to.equal(want);
      }
    }
    for (const [c, texts] of (await Promise.all(singles)).entries()) await expectAnswers(texts, 800_000 + c * 1000, `connection ${c}`);
  });
});
