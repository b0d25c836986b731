// Issue 12, items 6-10: what a hostile client did to a listener, over real
// sockets on loopback (raw TCP where a well-behaved client library would
// refuse to send it).

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Endpoint, ListenerLimits, ListenerSpec } from '../../src/econfig/listener-spec.js';
import { createLogger } from '../../src/log.js';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../src/rpc/json-shape.js';
import { Listener } from '../../src/rpc/listener.js';
import { call, FakeResolver, emptyResult, makeSpec, makeTempDir, post, type TempDir } from '../harness/rpc.js';

/** Everything the server sent on a raw connection until it closed it. */
function rawExchange(port: number, request: string | Buffer, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port, localAddress });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => resolve(text));
    socket.write(request);
  });
}

/** Status, headers and JSON body of the one HTTP answer in `raw`. */
function parseAnswer(raw: string): { status: number; headers: Record<string, string>; json: unknown } {
  const end = raw.indexOf('\r\n\r\n');
  expect(end, `an HTTP answer in ${JSON.stringify(raw)}`).to.be.greaterThan(0);
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = raw.slice(end + 4);
  return { status: Number(statusLine!.split(' ')[1]), headers, json: body === '' ? undefined : JSON.parse(Buffer.from(body, 'latin1').toString('utf8')) };
}

describe('rpc listener: hostile clients (issue 12, items 6-10)', function () {
  this.timeout(20_000);
  const listeners: Listener[] = [];
  let logText = '';
  const logger = createLogger({ level: 'debug', format: 'json', stream: { write: (text: string) => (logText += text) } });
  const logLines = (): { level: string; msg: string }[] =>
    logText
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { level: string; msg: string });

  async function open(endpoint: Endpoint, limits: Partial<ListenerLimits> = {}, extra: Partial<ListenerSpec> = {}, resolver = new FakeResolver()): Promise<{ listener: Listener; port: number }> {
    const listener = new Listener(makeSpec(endpoint, { allow: ['127.0.0.1/32'], limits, ...extra }), resolver, logger);
    listeners.push(listener);
    await listener.start();
    return { listener, port: (listener.address() as AddressInfo).port };
  }

  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.stop(0)));
    logText = '';
  });

  describe('item 6: https bounds the TLS handshake by the headers timeout', () => {
    let dir: TempDir;
    let tls: { cert: string; key: string };

    before(function () {
      this.timeout(30_000);
      dir = makeTempDir();
      tls = { cert: join(dir.path, 'cert.pem'), key: join(dir.path, 'key.pem') };
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', tls.key, '-out', tls.cert, '-days', '2', '-subj', '/CN=hostile', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    });

    after(() => dir.remove());

    /** A TCP connection that sends `bytes` (maybe none) and never completes a handshake; resolves when the server closes it. */
    const stalled = (port: number, bytes: Buffer): Promise<void> =>
      new Promise((resolve, reject) => {
        const socket = netConnect({ host: '127.0.0.1', port });
        socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
        socket.on('close', () => resolve());
        socket.on('connect', () => socket.write(bytes));
      });

    it('closes connections that never complete the handshake (silent, or a partial ClientHello), within the current headers timeout', async () => {
      // Node's default would hold them 120 s, past this test's timeout.
      const { listener, port } = await open({ kind: 'https', host: '127.0.0.1', port: 0 }, { headersTimeoutMs: 400, requestTimeoutMs: 60_000 }, { tls });
      const partialHello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);
      await Promise.all([...Array.from({ length: 50 }, () => stalled(port, Buffer.alloc(0))), stalled(port, partialHello)]);
      // A reload's new headers timeout applies to the next connections.
      await listener.update({ ...listener.spec, limits: { ...listener.spec.limits, headersTimeoutMs: 300 } });
      await stalled(port, Buffer.alloc(0));
    });

    it('keeps a connection whose handshake completed, past the headers timeout', async () => {
      // The answer takes 4 headers timeouts: the handshake bound must be off once the handshake is done.
      const slow = new FakeResolver(async (environment, request) => {
        await new Promise((resolve) => setTimeout(resolve, 1200));
        return emptyResult(environment, request);
      });
      const { port } = await open({ kind: 'https', host: '127.0.0.1', port: 0 }, { headersTimeoutMs: 300, requestTimeoutMs: 60_000 }, { tls }, slow);
      const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
      try {
        const once = (): Promise<{ status: number; localPort: number | undefined }> =>
          new Promise((resolve, reject) => {
            const req = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', ca: readFileSync(tls.cert), agent }, (res) => {
              const localPort = res.socket.localPort;
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode ?? 0, localPort }));
            });
            req.on('error', reject);
            req.end(call('getRoutes', { routing_group: 'G', cld: '44' }));
          });
        const first = await once();
        const second = await once();
        expect([first.status, second.status]).to.deep.equal([200, 200]);
        expect(second.localPort, 'the same kept-alive TLS connection').to.equal(first.localPort);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('item 7: the work on a body is bounded before JSON.parse', () => {
    const bigLimit = 16 * 1024 * 1024;

    it('refuses nesting deeper than the bound (-32600, data.max_depth) and keeps the connection', async () => {
      const resolver = new FakeResolver();
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, { bodyLimitBytes: bigLimit }, {}, resolver);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const deep = await post({ host: '127.0.0.1', port, agent }, Buffer.alloc(12 * 1024 * 1024, '['));
        expect(deep.status).to.equal(200);
        expect(deep.json).to.deep.equal({
          jsonrpc: '2.0',
          error: { code: -32600, message: `Invalid Request: arrays and objects are nested deeper than ${MAX_JSON_DEPTH} levels.`, data: { max_depth: MAX_JSON_DEPTH } },
          id: null,
        });
        const next = await post({ host: '127.0.0.1', port, agent }, call('ping'));
        expect(next.status).to.equal(200);
        expect(next.localPort, 'the same kept-alive connection').to.equal(deep.localPort);
      } finally {
        agent.destroy();
      }
    });

    it('refuses more values than the bound (-32600, data.max_values), flat arrays and objects alike', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, { bodyLimitBytes: bigLimit });
      const count = MAX_JSON_VALUES + 1;
      for (const body of [`[${'1,'.repeat(count)}1]`, `[${'{},'.repeat(count)}{}]`, `{"jsonrpc":"2.0","method":"ping","params":{"x":[${'[],'.repeat(count)}[]]},"id":1}`]) {
        const answer = await post({ host: '127.0.0.1', port }, body);
        expect(answer.json).to.deep.equal({
          jsonrpc: '2.0',
          error: { code: -32600, message: `Invalid Request: the request holds more than ${MAX_JSON_VALUES} values.`, data: { max_values: MAX_JSON_VALUES } },
          id: null,
        });
      }
    });

    it('serves requests at the bounds: unknown params nested to the depth limit, brackets and commas inside strings', async () => {
      const resolver = new FakeResolver();
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, { bodyLimitBytes: bigLimit }, {}, resolver);
      // batch, request, params: 3 levels; the extra param fills the rest.
      const extra = `${'['.repeat(MAX_JSON_DEPTH - 3)}${']'.repeat(MAX_JSON_DEPTH - 3)}`;
      const body = `[{"jsonrpc":"2.0","method":"getRoutes","params":{"routing_group":"G [{,\\"","cld":"44","extra":${extra},"note":"${'[{,'.repeat(MAX_JSON_VALUES)}"},"id":1}]`;
      const answer = await post({ host: '127.0.0.1', port }, body);
      expect(answer.status).to.equal(200);
      expect((answer.json as { result?: unknown }[])[0]).to.have.property('result');
      expect(resolver.requests.map((r) => r.routing_group)).to.deep.equal(['G [{,"']);
    });
  });

  describe('item 8: errors of the HTTP layer carry a JSON-RPC body; Expect is refused first', () => {
    const expectJsonError = (raw: string, status: number, code: number): Record<string, unknown> => {
      const answer = parseAnswer(raw);
      expect(answer.status, raw).to.equal(status);
      expect(answer.headers['content-type']).to.equal('application/json');
      expect(answer.headers.connection).to.equal('close');
      const body = answer.json as { jsonrpc: string; error: { code: number; message: string; data?: Record<string, unknown> }; id: null };
      expect(body.jsonrpc).to.equal('2.0');
      expect(body.id).to.equal(null);
      expect(body.error.code).to.equal(code);
      expect(body.error.message).to.match(/^Invalid Request: /);
      return body.error.data ?? {};
    };

    it('a request that is not HTTP answers 400 with -32600 naming the parser error', async () => {
      const { listener, port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 });
      const data = expectJsonError(await rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), 400, -32600);
      expect(data.http_error).to.match(/^HPE_/);
      expect(listener.stats().errors).to.equal(1);
    });

    it('headers over the size limit answer 431 with -32600', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 });
      const data = expectJsonError(await rawExchange(port, `POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, -32600);
      expect(data.http_error).to.equal('HPE_HEADER_OVERFLOW');
    });

    it('an Expect other than 100-continue answers 417 with -32600', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 });
      const body = call('ping');
      const raw = await rawExchange(port, `POST / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      expect(expectJsonError(raw, 417, -32600)).to.deep.equal({ supported: '100-continue' });
    });

    it('headers not received in time still answer Node\'s bare 408', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, { headersTimeoutMs: 200, requestTimeoutMs: 400 });
      const raw = await rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\n');
      expect(raw).to.match(/^HTTP\/1\.1 408 /);
    });

    it('Expect: 100-continue with a Content-Length over the limit answers 413 before any 100 Continue', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 });
      const raw = await rawExchange(port, `POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
      expect(raw).to.not.include('100 Continue');
      expectJsonError(raw, 413, -32600);
    });

    it('Expect: 100-continue from a denied client answers 403 before any 100 Continue', async () => {
      const { listener, port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 });
      const raw = await rawExchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 20\r\n\r\n', '127.0.0.2');
      expect(raw).to.not.include('100 Continue');
      const answer = parseAnswer(raw);
      expect(answer.status).to.equal(403);
      expect((answer.json as { error: { code: number } }).error.code).to.equal(-32004);
      expect(listener.stats().rejected).to.equal(1);
    });

    it('Expect: 100-continue on a wrong path answers 404 before any 100 Continue', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 });
      const raw = await rawExchange(port, 'POST /elsewhere HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 20\r\n\r\n');
      expect(raw).to.not.include('100 Continue');
      expectJsonError(raw, 404, -32600);
    });

    it('Expect: 100-continue that passes the checks gets 100 Continue, then its answer', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 });
      const body = call('ping');
      const socket = netConnect({ host: '127.0.0.1', port });
      let text = '';
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      await new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !socket.writableEnded) {
            socket.end(body);
            resolve();
          }
        });
        socket.write(`POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
      });
      await closed;
      const answer = parseAnswer(text.slice('HTTP/1.1 100 Continue\r\n\r\n'.length));
      expect(answer.status).to.equal(200);
      expect((answer.json as { result: { i_environment: number } }).result.i_environment).to.equal(2);
    });
  });

  describe('item 9: a body that is not UTF-8', () => {
    it('answers -32700 and never routes the replaced characters', async () => {
      const resolver = new FakeResolver();
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, {}, {}, resolver);
      const [head, tail] = call('getRoutes', { routing_group: 'G', cld: '44@' }).split('@');
      const body = Buffer.concat([Buffer.from(head!), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(tail!)]);
      const answer = await post({ host: '127.0.0.1', port }, body);
      expect(answer.status).to.equal(200);
      expect(answer.json).to.deep.equal({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the request body is not valid UTF-8.' }, id: null });
      expect(resolver.requests).to.deep.equal([]);
      // Valid multi-byte UTF-8 is still served.
      const valid = await post({ host: '127.0.0.1', port }, call('getRoutes', { routing_group: 'Grüße 𝄞', cld: '44' }));
      expect(valid.status).to.equal(200);
      expect(resolver.requests.map((r) => r.routing_group)).to.deep.equal(['Grüße 𝄞']);
    });
  });

  describe('item 10: JSON-RPC 1.0 ids must be scalars', () => {
    it('an object, array or deeply nested id answers -32600 like 2.0, with no log line', async () => {
      const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, { bodyLimitBytes: 1024 * 1024 });
      const deepId = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const bodies = [
        `{"method":"ping","params":[],"id":${deepId}}`,
        `{"jsonrpc":"2.0","method":"ping","id":${deepId}}`,
        JSON.stringify({ method: 'ping', params: [], id: { a: 1 } }),
        JSON.stringify({ method: 'ping', params: [], id: [1] }),
        JSON.stringify({ method: 'ping', params: [], id: true }),
      ];
      for (const body of bodies) {
        const answer = await post({ host: '127.0.0.1', port }, body);
        expect(answer.status).to.equal(200);
        const json = answer.json as { error: { code: number }; id: unknown };
        expect(json.error.code, body.slice(0, 60)).to.equal(-32600);
        expect(json.id).to.equal(null);
      }
      // Nothing logged per request, at any level: the listener's start is all.
      expect(logLines().map((l) => `${l.level} ${l.msg}`)).to.deep.equal(['info listening']);
      // Scalar 1.0 ids are still answered in 1.0 form.
      const ok = await post({ host: '127.0.0.1', port }, JSON.stringify({ method: 'ping', params: [], id: 'x' }));
      expect(ok.json).to.include({ error: null, id: 'x' });
    });
  });
});
