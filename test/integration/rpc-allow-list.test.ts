import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { Endpoint, ListenerSpec } from '../../src/econfig/listener-spec.js';
import { createLogger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import { call, FakeResolver, makeSpec, makeTempDir, post, type HttpAnswer, type TempDir } from '../harness/rpc.js';

// Real TCP on loopback with ephemeral ports; clients pick their source
// address with localAddress (all of 127.0.0.0/8 is local on Linux).
describe('rpc listener: allow-lists over TCP', () => {
  const listeners: Listener[] = [];
  let logText = '';
  const logger = createLogger({ level: 'info', format: 'json', stream: { write: (text: string) => (logText += text) } });

  async function open(endpoint: Endpoint, allow: readonly string[], extra: Partial<ListenerSpec> = {}): Promise<{ listener: Listener; port: number; spec: ListenerSpec }> {
    const spec = makeSpec(endpoint, { allow, ...extra });
    const listener = new Listener(spec, new FakeResolver(), logger);
    listeners.push(listener);
    await listener.start();
    return { listener, port: (listener.address() as AddressInfo).port, spec };
  }

  const ping = (host: string, port: number, localAddress?: string, headers: Record<string, string> = {}, agent?: Agent): Promise<HttpAnswer> =>
    post({ host, port, ...(localAddress === undefined ? {} : { localAddress }), ...(agent === undefined ? {} : { agent }) }, call('ping'), { headers });

  /** A refusal that tells the client its own address as the listener matched it (`address`). */
  function expectRejected(answer: HttpAnswer, address: string): void {
    expect(answer.status).to.equal(403);
    expect(answer.headers.connection).to.equal('close');
    expect(answer.headers['content-type']).to.equal('application/json');
    expect(answer.json).to.deep.equal({ jsonrpc: '2.0', error: { code: -32004, message: 'This client address is not allowed on this listener.', data: { address } }, id: null });
  }

  function expectServed(answer: HttpAnswer): void {
    expect(answer.status).to.equal(200);
    expect((answer.json as { result: { i_environment: number } }).result.i_environment).to.equal(2);
  }

  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.stop(0)));
    logText = '';
  });

  it('no allow-list rejects everyone with 403 / -32004 and closes the connection', async () => {
    const { port, listener } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, []);
    expectRejected(await ping('127.0.0.1', port), '127.0.0.1');
    expect(listener.stats().rejected).to.equal(1);
  });

  it('a /32 admits exactly that address', async () => {
    const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, ['127.0.0.2/32']);
    expectRejected(await ping('127.0.0.1', port, '127.0.0.1'), '127.0.0.1');
    expectServed(await ping('127.0.0.1', port, '127.0.0.2'));
  });

  it('a CIDR admits its range only', async () => {
    const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, ['127.0.0.0/30']);
    for (const client of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) expectServed(await ping('127.0.0.1', port, client));
    for (const client of ['127.0.0.4', '127.0.1.1']) expectRejected(await ping('127.0.0.1', port, client), client);
  });

  it('::1 on an IPv6 listener; IPv4 rules do not admit IPv6 clients', async () => {
    const v6 = await open({ kind: 'http', host: '::1', port: 0 }, ['::1/128']);
    expectServed(await ping('::1', v6.port));
    const v4only = await open({ kind: 'http', host: '::1', port: 0 }, ['127.0.0.0/8']);
    expectRejected(await ping('::1', v4only.port), '::1');
  });

  // An IPv6 socket that IPv4 clients reach, as on a [::] wildcard listener:
  // the kernel reports them as ::ffff:a.b.c.d. Bound to the IPv4-mapped
  // loopback address instead of :: so the test never listens beyond loopback.
  it('an IPv4 client of an IPv6 listener (::ffff:a.b.c.d) is matched by IPv4 rules', async () => {
    const mapped = await open({ kind: 'http', host: '::ffff:127.0.0.1', port: 0 }, ['127.0.0.2/32']);
    expectServed(await ping('127.0.0.1', mapped.port, '127.0.0.2'));
    // Told as the IPv4 address it is matched as, not ::ffff:127.0.0.1.
    expectRejected(await ping('127.0.0.1', mapped.port, '127.0.0.1'), '127.0.0.1');
    const v6rule = await open({ kind: 'http', host: '::ffff:127.0.0.1', port: 0 }, ['::/0']);
    expectRejected(await ping('127.0.0.1', v6rule.port, '127.0.0.2'), '127.0.0.2');
  });

  it('X-Forwarded-For, Forwarded and X-Real-IP are ignored', async () => {
    const { port } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, ['127.0.0.2/32']);
    expectRejected(await ping('127.0.0.1', port, '127.0.0.1', { 'x-forwarded-for': '127.0.0.2', forwarded: 'for=127.0.0.2', 'x-real-ip': '127.0.0.2' }), '127.0.0.1');
  });

  it('logs a rejected address at most once a minute per listener', async () => {
    const { port, listener } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, []);
    for (let i = 0; i < 3; i++) expectRejected(await ping('127.0.0.1', port, '127.0.0.1'), '127.0.0.1');
    expectRejected(await ping('127.0.0.1', port, '127.0.0.3'), '127.0.0.3');
    const lines = logText.split('\n').filter((line) => line.includes('client not allowed'));
    expect(lines.map((line) => (JSON.parse(line) as { address: string }).address)).to.deep.equal(['127.0.0.1', '127.0.0.3']);
    expect(listener.stats().rejected).to.equal(4);
  });

  it('update() of the allow-list applies on the running listener without closing it', async () => {
    const { port, listener, spec } = await open({ kind: 'http', host: '127.0.0.1', port: 0 }, ['127.0.0.2/32']);
    const since = listener.stats().since;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await ping('127.0.0.1', port, '127.0.0.2', {}, agent);
      expectServed(first);
      expectRejected(await ping('127.0.0.1', port, '127.0.0.3'), '127.0.0.3');

      await listener.update({ ...spec, allow: ['127.0.0.2/32', '127.0.0.3/32'] });
      const kept = await ping('127.0.0.1', port, '127.0.0.2', {}, agent);
      expectServed(kept);
      expect(kept.localPort, 'same kept-alive connection').to.equal(first.localPort);
      expectServed(await ping('127.0.0.1', port, '127.0.0.3'));

      await listener.update({ ...spec, allow: ['127.0.0.3/32'] });
      expectRejected(await ping('127.0.0.1', port, '127.0.0.2', {}, agent), '127.0.0.2');
      expect(listener.stats()).to.include({ state: 'listening', since });
      expect((listener.address() as AddressInfo).port).to.equal(port);
    } finally {
      agent.destroy();
    }
  });

  describe('https', () => {
    let dir: TempDir;
    let cert: string;
    let key: string;
    let cert2: string;
    let key2: string;

    before(function () {
      this.timeout(30_000);
      dir = makeTempDir();
      cert = join(dir.path, 'cert.pem');
      key = join(dir.path, 'key.pem');
      cert2 = join(dir.path, 'cert2.pem');
      key2 = join(dir.path, 'key2.pem');
      const make = (certPath: string, keyPath: string, name: string): void => {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      };
      make(cert, key, 'first');
      make(cert2, key2, 'second');
    });

    after(() => dir.remove());

    const httpsPing = (port: number, localAddress: string, agent: HttpsAgent | false = false): Promise<HttpAnswer> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, localAddress, method: 'POST', path: '/', ca: readFileSync(cert), agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          const localPort = res.socket.localPort;
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: JSON.parse(text), localPort }));
        });
        req.on('error', reject);
        req.end(call('ping'));
      });

    /** Opens a TLS connection; reports whether the handshake completed and whether a certificate was seen. */
    const handshake = (port: number, localAddress: string): Promise<{ secure: boolean; certificate: boolean; error: string | undefined; name?: string }> =>
      new Promise((resolve) => {
        let certificate = false;
        const socket = tlsConnect({ socket: netConnect({ host: '127.0.0.1', port, localAddress }), rejectUnauthorized: false });
        socket.once('secureConnect', () => {
          const peer = socket.getPeerCertificate();
          certificate = Object.keys(peer).length > 0;
          socket.destroy();
          resolve({ secure: true, certificate, error: undefined, name: String(peer.subject?.CN) });
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve({ secure: false, certificate, error: err.code }));
        socket.once('close', () => resolve({ secure: false, certificate, error: undefined }));
      });

    it('closes a rejected client before the handshake; serves an allowed one', async () => {
      const { port, listener } = await open({ kind: 'https', host: '127.0.0.1', port: 0 }, ['127.0.0.2/32'], { tls: { cert, key } });
      const refused = await handshake(port, '127.0.0.1');
      expect(refused.secure).to.equal(false);
      expect(refused.certificate).to.equal(false);
      expect([undefined, 'ECONNRESET']).to.include(refused.error);
      expect(listener.stats().rejected).to.equal(1);

      expect(await handshake(port, '127.0.0.2')).to.include({ secure: true, certificate: true, name: 'first' });
      expectServed(await httpsPing(port, '127.0.0.2'));
    });

    it('update() swaps the certificate and the allow-list in place; bad TLS files change nothing', async () => {
      const { port, listener, spec } = await open({ kind: 'https', host: '127.0.0.1', port: 0 }, ['127.0.0.2/32'], { tls: { cert, key } });
      await listener.update({ ...spec, allow: ['127.0.0.3/32'] });
      expect((await handshake(port, '127.0.0.2')).secure).to.equal(false);
      expectServed(await httpsPing(port, '127.0.0.3'));

      // A kept-alive TLS connection of a client the new list refuses gets 403 on its next request.
      const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: readFileSync(cert) });
      try {
        const first = await httpsPing(port, '127.0.0.3', agent);
        expectServed(first);
        await listener.update({ ...spec, allow: ['127.0.0.4/32'] });
        const refused = await httpsPing(port, '127.0.0.3', agent);
        expect(refused.localPort).to.equal(first.localPort);
        expectRejected(refused, '127.0.0.3');
      } finally {
        agent.destroy();
      }
      await listener.update({ ...spec, allow: ['127.0.0.3/32'], tls: { cert: cert2, key: key2 } });
      expect(await handshake(port, '127.0.0.3')).to.include({ secure: true, name: 'second' });

      let failure: unknown;
      await listener.update({ ...spec, allow: ['127.0.0.2/32'], tls: { cert, key: join(dir.path, 'missing.pem') } }).catch((err: unknown) => (failure = err));
      expect(failure).to.have.property('code', 'TLS_FILES_INVALID');
      expect(await handshake(port, '127.0.0.3')).to.include({ secure: true, name: 'second' });
      expect(await handshake(port, '127.0.0.2'), 'the allow-list did not change either').to.include({ secure: false });
    });
  });
});
