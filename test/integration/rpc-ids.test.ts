// Request ids come back exactly as the client wrote them (issue 20, item 9):
// a number id a double cannot write back (1e400, -0, 1.50, a 30-digit
// integer) is answered with its own text, on a real daemon over a UNIX
// socket and over HTTP, for single requests and batch entries, results and
// errors, the prepared getRoutes answer and JSON.stringify's replies alike.

import { expect } from 'chai';
import { join } from 'node:path';
import { loadDemo } from '../../src/db/demo.js';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { makeTempDir, post, type Target, type TempDir } from '../harness/rpc.js';
import { freePorts } from '../harness/supervisor-process.js';

/** Id texts a double does not give back, then ordinary ones. */
const IDS = [
  '1e400', '-0', '1.50', '123456789012345678901234567890', '1.0', '1E2', '-1e-400', '9007199254740993',
  '1', '0', '-7', '9007199254740991', '"abc"', '"1e400"', 'null',
];

/** The calls of each shape: a getRoutes answer (its prepared bytes), ping (JSON.stringify's), a resolver error, an invalid-params error, an unknown method. */
const CALLS: readonly (readonly [call: string, answer: string])[] = [
  ['"method":"getRoutes","params":{"routing_group":"Group 1","cld":"4420712345678","cli":"15551230000"}', '"result":{"i_environment":1'],
  ['"method":"ping","params":{}', '"result":{'],
  ['"method":"getRoutes","params":{"routing_group":"No such group","cld":"4420712345678"}', '"code":-32001'],
  ['"method":"getRoutes","params":{"routing_group":"Group 1"}', '"code":-32602'],
  ['"method":"noSuchMethod"', '"code":-32601'],
];

/** The id texts of a reply's top-level responses, in order, read off the text (a JSON parser would turn them into doubles). */
function replyIds(text: string): string[] {
  return [...text.matchAll(/"id":(-?[0-9][0-9.eE+-]*|null|"(?:[^"\\]|\\.)*")(?=[,}])/g)].map((m) => m[1]!);
}

describe('request ids: echoed as the client wrote them, over UNIX and HTTP', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  const targets: { name: string; target: Target }[] = [];

  before(async () => {
    dir = makeTempDir('sr-rpc-ids-');
    await loadDemo(database().db, dir.path);
    const socketPath = join(dir.path, 'ids.sock');
    const [port] = await freePorts(1);
    const unix = new DaemonProcess(['-e', '1', '-s', `unix:${socketPath}`, '-d', database().dsn, '--rundir', dir.path]);
    const tcp = new DaemonProcess(['-e', '1', '-s', `http://127.0.0.1:${port}/`, '-a', '127.0.0.1', '-d', database().dsn, '--rundir', dir.path]);
    await unix.waitUntilServing(`unix:${socketPath}`);
    await tcp.waitUntilServing(`http://127.0.0.1:${port}/`);
    targets.push({ name: 'unix', target: { socketPath } }, { name: 'http', target: { host: '127.0.0.1', port } });
  });

  after(async () => {
    await DaemonProcess.killAll();
    dir?.remove();
  });

  it('a single request, of every shape of answer, gets its id back as written', async () => {
    for (const { name, target } of targets) {
      for (const [call, expected] of CALLS) {
        for (const id of IDS) {
          const answer = await post(target, `{"jsonrpc":"2.0",${call},"id":${id}}`);
          expect(answer.text, `${name}: ${call}`).to.contain(expected);
          expect(replyIds(answer.text), `${name}: ${call} with id ${id}: ${answer.text.slice(0, 200)}`).to.deep.equal([id]);
        }
      }
    }
  });

  it('every entry of a batch gets its own id back as written, a notification none', async () => {
    for (const { name, target } of targets) {
      for (const [call] of CALLS) {
        const body = `[${IDS.map((id) => `{"jsonrpc":"2.0",${call},"id":${id}}`).join(',')},{"jsonrpc":"2.0",${call}}]`;
        const answer = await post(target, body);
        expect(replyIds(answer.text), `${name}: ${call}`).to.deep.equal(IDS);
      }
    }
  });

  it('reads the id, not a number elsewhere: a fraction in the params, an `id` member in the params, spacing, an escaped key, a repeated id', async () => {
    const cases: [string, string][] = [
      ['{"jsonrpc":"2.0","method":"getRoutes","params":{"routing_group":"Group 1","cld":"4420712345678","call_start_time":1768478400.5},"id":17}', '17'],
      ['{"jsonrpc":"2.0","method":"ping","params":{"id":1.5,"x":[{"id":2e9}]},"id":12345678901234567890}', '12345678901234567890'],
      ['{ "id" :\t-0 ,"jsonrpc":"2.0","method":"ping","params":{"s":"\\"id\\":3"}}', '-0'],
      ['{"jsonrpc":"2.0","method":"ping","\\u0069d":1.50}', '1.50'],
      ['{"jsonrpc":"2.0","method":"ping","id":"first","id":1e400}', '1e400'],
    ];
    for (const { name, target } of targets) {
      for (const [body, id] of cases) {
        expect(replyIds((await post(target, body)).text), `${name}: ${body}`).to.deep.equal([id]);
      }
    }
  });

  it('JSON-RPC 1.0 requests get their id back as written too', async () => {
    for (const { name, target } of targets) {
      const answer = await post(target, '{"method":"ping","params":[],"id":1e400}');
      expect(replyIds(answer.text), name).to.deep.equal(['1e400']);
      expect(answer.text).to.contain('"error":null');
    }
  });
});
