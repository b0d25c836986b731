import { expect } from 'chai';
import { plan, describeStep } from '../../src/supervisor/plan.js';
import { endpointsClash } from '../../src/econfig/clashes.js';
import { DEFAULT_LIMITS, type Endpoint, type ListenerSpec } from '../../src/econfig/listener-spec.js';

// Specs written as short strings: "unix:/run/a.sock", "http://127.0.0.1:8088",
// with optional settings.
function spec(environment: number, socket: string, settings: Partial<ListenerSpec> = {}): ListenerSpec {
  let endpoint: Endpoint;
  if (socket.startsWith('unix:')) {
    endpoint = { kind: 'unix', path: socket.slice(5) };
  } else {
    const url = new URL(socket);
    endpoint = { kind: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
  }
  return Object.freeze({
    environment, endpoint, socket, httpPath: '/', socketMode: 0o660, tls: undefined, allow: [], dsn: undefined, limits: DEFAULT_LIMITS, ...settings,
  });
}

function specs(...list: ListenerSpec[]): Map<number, ListenerSpec> {
  return new Map(list.map((s) => [s.environment, s]));
}

interface Case {
  name: string;
  running: ListenerSpec[];
  desired: ListenerSpec[];
  steps: string[];
}

const A = 'unix:/run/sr.1.sock';
const B = 'unix:/run/sr.2.sock';
const C = 'unix:/run/sr.3.sock';

const cases: Case[] = [
  { name: 'nothing running, nothing wanted', running: [], desired: [], steps: [] },
  { name: 'first start', running: [], desired: [spec(1, A), spec(2, B)], steps: ['environment 1: start on unix:/run/sr.1.sock', 'environment 2: start on unix:/run/sr.2.sock'] },
  { name: 'no change is no step', running: [spec(1, A), spec(2, B)], desired: [spec(1, A), spec(2, B)], steps: [] },
  { name: 'allow-list change updates in place', running: [spec(3, 'http://127.0.0.1:8088')], desired: [spec(3, 'http://127.0.0.1:8088', { allow: ['127.0.0.2/32'] })], steps: ['environment 3: update in place on http://127.0.0.1:8088'] },
  { name: 'socket mode, DSN, limits, TLS files: update in place', running: [spec(1, A), spec(2, B), spec(3, 'https://127.0.0.1:8443', { tls: { cert: 'a.pem', key: 'a.key' } })],
    desired: [spec(1, A, { socketMode: 0o600 }), spec(2, B, { dsn: 'mysql://u@h/other', limits: { ...DEFAULT_LIMITS, maxBatch: 5 } }), spec(3, 'https://127.0.0.1:8443', { tls: { cert: 'b.pem', key: 'b.key' } })],
    steps: ['environment 1: update in place on unix:/run/sr.1.sock', 'environment 2: update in place on unix:/run/sr.2.sock', 'environment 3: update in place on https://127.0.0.1:8443'] },
  { name: 'a --db-write added or changed: update in place', running: [spec(1, A), spec(2, B, { dbWrite: 'mysql://u@primary/db' })],
    desired: [spec(1, A, { dbWrite: 'mysql://u@primary/db' }), spec(2, B, { dbWrite: 'mysql://u@other/db' })],
    steps: ['environment 1: update in place on unix:/run/sr.1.sock', 'environment 2: update in place on unix:/run/sr.2.sock'] },
  { name: 'environment removed stops', running: [spec(1, A), spec(2, B)], desired: [spec(1, A)], steps: ['environment 2: stop on unix:/run/sr.2.sock'] },
  { name: 'unix to another unix path moves', running: [spec(1, A)], desired: [spec(1, C)], steps: ['environment 1: move from unix:/run/sr.1.sock to unix:/run/sr.3.sock'] },
  { name: 'TCP to another port moves', running: [spec(3, 'http://127.0.0.1:8088')], desired: [spec(3, 'http://127.0.0.1:8089')], steps: ['environment 3: move from http://127.0.0.1:8088 to http://127.0.0.1:8089'] },
  { name: 'http to https on the same port is a move (another server kind)', running: [spec(3, 'http://127.0.0.1:8088')], desired: [spec(3, 'https://127.0.0.1:8088', { tls: { cert: 'c', key: 'k' } })],
    steps: ['environment 3: stop on http://127.0.0.1:8088', 'environment 3: start on https://127.0.0.1:8088'] },
  { name: 'taking the socket of a stopped environment waits for the stop', running: [spec(1, A), spec(2, B)], desired: [spec(1, B)],
    steps: ['environment 2: stop on unix:/run/sr.2.sock', 'environment 1: move from unix:/run/sr.1.sock to unix:/run/sr.2.sock'] },
  { name: 'a chain of moves is ordered so each target is free', running: [spec(1, A), spec(2, B)], desired: [spec(1, B), spec(2, C)],
    steps: ['environment 2: move from unix:/run/sr.2.sock to unix:/run/sr.3.sock', 'environment 1: move from unix:/run/sr.1.sock to unix:/run/sr.2.sock'] },
  { name: 'a swap is a cycle: one environment stops, the other moves, then the first starts', running: [spec(1, A), spec(2, B)], desired: [spec(1, B), spec(2, A)],
    steps: ['environment 1: stop on unix:/run/sr.1.sock', 'environment 2: move from unix:/run/sr.2.sock to unix:/run/sr.1.sock', 'environment 1: start on unix:/run/sr.2.sock'] },
  { name: 'a start on a wildcard waits for the stop of a clashing address', running: [spec(1, 'http://127.0.0.1:9000')], desired: [spec(2, 'http://0.0.0.0:9000')],
    steps: ['environment 1: stop on http://127.0.0.1:9000', 'environment 2: start on http://0.0.0.0:9000'] },
  { name: 'updates come first, then binds, then stops', running: [spec(1, A), spec(2, B), spec(4, 'unix:/run/sr.4.sock')],
    desired: [spec(1, A, { socketMode: 0o666 }), spec(2, C), spec(5, 'unix:/run/sr.5.sock')],
    steps: ['environment 1: update in place on unix:/run/sr.1.sock', 'environment 2: move from unix:/run/sr.2.sock to unix:/run/sr.3.sock', 'environment 5: start on unix:/run/sr.5.sock', 'environment 4: stop on unix:/run/sr.4.sock'] },
];

describe('supervisor plan', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(plan(specs(...c.desired), specs(...c.running)).map(describeStep)).to.deep.equal(c.steps);
    });
  }

  it('is pure: the same inputs give the same plan and are not modified', () => {
    const running = specs(spec(1, A), spec(2, B));
    const desired = specs(spec(1, B), spec(2, A));
    const first = plan(desired, running);
    expect(plan(desired, running)).to.deep.equal(first);
    expect([...running.values()].map((s) => s.socket)).to.deep.equal([A, B]);
  });

  it('never binds a socket while another listener still holds a clashing one', () => {
    const running = specs(spec(1, A), spec(2, B), spec(3, 'http://127.0.0.1:8080'), spec(4, 'http://[::1]:8080'));
    const desired = specs(spec(1, B), spec(2, A), spec(3, 'http://[::]:8080'), spec(4, 'https://[::1]:8443'), spec(5, C));
    const held = new Map([...running].map(([e, s]) => [e, s.endpoint]));
    for (const step of plan(desired, running)) {
      if (step.kind === 'stop') {
        held.delete(step.environment);
        continue;
      }
      if (step.kind === 'update') continue;
      for (const [env, endpoint] of held) {
        expect(endpointsClash(endpoint, step.to.endpoint), `${describeStep(step)} vs environment ${env}`).to.equal(false);
      }
      held.set(step.environment, step.to.endpoint);
    }
  });
});
