import { expect } from 'chai';
import { existsSync, statSync, unlinkSync, writeFileSync, renameSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../src/log.js';
import { Listener } from '../../src/rpc/listener.js';
import { runListenerUntilSignal } from '../../src/rpc/run-until-signal.js';
import { call, emptyResult, FakeResolver, makeSpec, makeTempDir, post, untilTrue, type TempDir } from '../harness/rpc.js';

/** A request held inside the resolver: `arrival` once it is there, answered after release(). */
function held(): { arrival: Promise<void>; arrived: () => void; released: Promise<void>; release: () => void } {
  let arrived: () => void = () => undefined;
  let release: () => void = () => undefined;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return { arrival, arrived, released, release };
}

describe('rpc listener: lifecycle and UNIX sockets', () => {
  let dir: TempDir;
  const listeners: Listener[] = [];
  let n = 0;

  const nextPath = (): string => join(dir.path, `s${(n += 1)}.sock`);
  const unixListener = (path: string, resolver = new FakeResolver(), overrides = {}): Listener => {
    const listener = new Listener(makeSpec({ kind: 'unix', path }, overrides), resolver, silentLogger);
    listeners.push(listener);
    return listener;
  };
  const pingAt = (socketPath: string) => post({ socketPath }, call('ping'));
  const connectError = (path: string): Promise<string | undefined> =>
    new Promise((resolve) => {
      const socket = connect({ path });
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    });

  /** A socket file nothing listens on, as a killed process leaves it. */
  async function staleSocket(path: string): Promise<void> {
    const server = createServer();
    const temporary = `${path}.tmp`;
    await new Promise<void>((resolve) => server.listen(temporary, resolve));
    renameSync(temporary, path);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  before(() => {
    dir = makeTempDir();
  });

  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.stop(0)));
  });

  after(() => dir.remove());

  it('start() and stop() are idempotent; the socket gets its mode and is removed at stop', async () => {
    const path = nextPath();
    const listener = unixListener(path);
    const first = listener.start();
    expect(listener.start()).to.equal(first);
    await first;
    expect(statSync(path).isSocket()).to.equal(true);
    expect(statSync(path).mode & 0o777).to.equal(0o660);
    expect((await pingAt(path)).status).to.equal(200);
    const stopping = listener.stop();
    expect(listener.stop()).to.equal(stopping);
    await stopping;
    expect(existsSync(path)).to.equal(false);
    expect(listener.stats().state).to.equal('stopped');
    let restart: unknown;
    await listener.start().catch((err: unknown) => (restart = err));
    expect(restart).to.be.instanceOf(Error);
  });

  it('stop() lets an in-flight request finish, removes the socket, and refuses new connections', async () => {
    const path = nextPath();
    const resolving = held();
    const listener = unixListener(path, new FakeResolver(async (environment, request) => {
      resolving.arrived();
      await resolving.released;
      return emptyResult(environment, request);
    }));
    await listener.start();
    const inFlight = post({ socketPath: path }, call('getRoutes', { routing_group: 'slow', cld: '1' }, 'inflight'));
    await resolving.arrival;
    expect(listener.stats().inFlight).to.equal(1);
    const stopped = listener.stop(5000);
    // The listener's state has no event: polled, up to a deadline (not a timing assertion).
    await untilTrue(() => listener.stats().state === 'stopping', 'the listener draining');
    expect(await connectError(path), 'no new connections while draining').to.be.oneOf(['ECONNREFUSED', 'ENOENT']);
    resolving.release();
    const answer = await inFlight;
    expect(answer.status).to.equal(200);
    expect(answer.headers.connection).to.equal('close');
    expect((answer.json as { id: string; result: { routing_group: { name: string } } }).result.routing_group.name).to.equal('slow');
    await stopped;
    expect(existsSync(path)).to.equal(false);
    expect(await connectError(path)).to.equal('ENOENT');
  });

  it('stop(drainMs) ends requests still running after the bound: the client gets an error answer (issue 12, item 16), never hangs', async () => {
    const path = nextPath();
    const resolving = held();
    const listener = unixListener(path, new FakeResolver(() => {
      resolving.arrived();
      return new Promise<never>(() => undefined);
    }), { limits: { requestTimeoutMs: 60_000 } });
    await listener.start();
    const inFlight = post({ socketPath: path }, call('getRoutes', { routing_group: 'g', cld: '1' })).then(
      (answer) => answer.json,
      (err: NodeJS.ErrnoException) => err.code,
    );
    await resolving.arrival;
    await listener.stop(100);
    expect(await inFlight).to.deep.equal({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32603, message: 'The listener stopped before the routing answer was ready; the request can be retried.' },
    });
  });

  it('a stale socket file is replaced', async () => {
    const path = nextPath();
    await staleSocket(path);
    expect(statSync(path).isSocket()).to.equal(true);
    expect(await connectError(path)).to.equal('ECONNREFUSED');
    await unixListener(path).start();
    expect((await pingAt(path)).status).to.equal(200);
  });

  it('a live socket is refused as in use and left alone', async () => {
    const path = nextPath();
    await unixListener(path).start();
    let failure: unknown;
    await unixListener(path).start().catch((err: unknown) => (failure = err));
    expect(failure).to.have.property('code', 'SOCKET_IN_USE');
    expect((failure as Error).message).to.equal(`cannot listen on unix:${path}: the socket is in use by a running process.`);
    expect((await pingAt(path)).status).to.equal(200);
  });

  it('a path that is not a socket is never removed', async () => {
    const path = nextPath();
    writeFileSync(path, 'precious');
    let failure: unknown;
    await unixListener(path).start().catch((err: unknown) => (failure = err));
    expect(failure).to.have.property('code', 'SOCKET_BIND_FAILED');
    expect(readFileSync(path, 'utf8')).to.equal('precious');
  });

  it('a missing directory is SOCKET_BIND_FAILED', async () => {
    let failure: unknown;
    await unixListener(join(dir.path, 'no', 'such.sock')).start().catch((err: unknown) => (failure = err));
    expect(failure).to.have.property('code', 'SOCKET_BIND_FAILED');
  });

  it('closing a listener does not unlink a path another listener has re-bound meanwhile', async () => {
    const path = nextPath();
    const first = unixListener(path);
    await first.start();
    unlinkSync(path);
    const second = unixListener(path);
    await second.start();
    await first.stop(0);
    expect(statSync(path).isSocket()).to.equal(true);
    expect((await pingAt(path)).status).to.equal(200);
    await second.stop(0);
    expect(existsSync(path)).to.equal(false);
  });

  it('update() changes the socket mode and the resolver in place', async () => {
    const path = nextPath();
    const listener = unixListener(path);
    await listener.start();
    const replacement = new FakeResolver(async (environment, request) => ({ ...emptyResult(environment, request), cli: 'replaced' }));
    await listener.update(makeSpec({ kind: 'unix', path }, { socketMode: 0o600 }), replacement);
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    const answer = await post({ socketPath: path }, call('getRoutes', { routing_group: 'g', cld: '1' }));
    expect((answer.json as { result: { cli: string } }).result.cli).to.equal('replaced');
    let failure: unknown;
    await listener.update(makeSpec({ kind: 'unix', path: `${path}.other` })).catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(TypeError);
  });

  it('a headers timeout longer than the request timeout is bounded by it, not refused', async () => {
    const path = nextPath();
    await unixListener(path, new FakeResolver(), { limits: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }).start();
    expect((await pingAt(path)).status).to.equal(200);
  });

  it('a TCP port in use is SOCKET_IN_USE', async () => {
    const first = new Listener(makeSpec({ kind: 'http', host: '127.0.0.1', port: 0 }), new FakeResolver(), silentLogger);
    listeners.push(first);
    await first.start();
    const port = (first.address() as AddressInfo).port;
    const second = new Listener(makeSpec({ kind: 'http', host: '127.0.0.1', port }), new FakeResolver(), silentLogger);
    let failure: unknown;
    await second.start().catch((err: unknown) => (failure = err));
    expect(failure).to.have.property('code', 'SOCKET_IN_USE');
  });

  it('runListenerUntilSignal serves until the signal, drains, removes the socket, returns 0', async () => {
    const path = nextPath();
    let log = '';
    const logger = createLogger({ format: 'json', stream: { write: (text: string) => (log += text) } });
    let pinged: Promise<number> | undefined;
    const code = await runListenerUntilSignal(makeSpec({ kind: 'unix', path }), new FakeResolver(), logger, ['SIGUSR2'], {
      onListening: () => {
        pinged = pingAt(path).then((answer) => {
          process.kill(process.pid, 'SIGUSR2');
          return answer.status;
        });
      },
    });
    expect(code).to.equal(0);
    expect(await pinged).to.equal(200);
    expect(existsSync(path)).to.equal(false);
    expect(process.listenerCount('SIGUSR2')).to.equal(0);
    expect(log).to.include('"signal":"SIGUSR2"');
  });
});
