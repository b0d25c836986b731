import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadDemo } from '../../src/db/demo.js';
import { useFreshDatabase } from '../harness/database.js';
import { post } from '../harness/rpc.js';
import { PLAIN_ECONFIG, supervisorRig, type SupervisorRig } from '../harness/supervisor.js';

// docs/rpc.md opens with the wire: curl requests and the replies the daemon
// gives them on the demo data. Its examples are sent to a real daemon on the
// demo data set and must come back as the page shows them, so the page says
// what the daemon says (the -32001 message included).

const RPC_DOC = readFileSync(new URL('../../../docs/rpc.md', import.meta.url), 'utf8');

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = RPC_DOC.indexOf(`\n## ${title}\n`);
  expect(start, `docs/rpc.md has a section "${title}"`).to.be.greaterThan(-1);
  const end = RPC_DOC.indexOf('\n## ', start + 1);
  return RPC_DOC.slice(start, end < 0 ? undefined : end);
}

/** Each fenced block of a section: its language and text. */
function blocks(text: string): { lang: string; body: string }[] {
  return [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

describe('docs/rpc.md: the wire examples are what the daemon answers', function () {
  this.timeout(30_000);
  const database = useFreshDatabase();
  let rig: SupervisorRig;

  before(async function () {
    this.timeout(60_000);
    await loadDemo(database().db, '/nonexistent-rundir');
    rig = supervisorRig({ dsn: database().dsn, environments: [1, 2], econfig: PLAIN_ECONFIG });
    const reload = await rig.supervisor.reload('start');
    expect(reload.result, reload.messages.join('\n')).to.equal('ok');
  });

  after(async () => {
    await rig?.dispose();
  });

  const send = async (environment: number, body: string): Promise<unknown> => (await post({ socketPath: rig.socketOf(environment) }, body)).json;

  it('opens with a request and its reply on the wire; the TypeScript API comes later', () => {
    const first = /\n## ([^\n]+)\n/.exec(RPC_DOC)?.[1];
    expect(first).to.equal('A request and its reply');
    const firstBlock = blocks(section('A request and its reply'))[0]!;
    expect(firstBlock.lang).to.equal('sh');
    expect(firstBlock.body).to.match(/^curl -s --unix-socket /);
    expect(RPC_DOC.indexOf('```ts')).to.be.greaterThan(RPC_DOC.indexOf('\n## Embedding the listener (TypeScript)\n'));
  });

  it('each curl request of the opening section gets the reply shown under it (environment 1 of the demo)', async () => {
    const found = blocks(section('A request and its reply'));
    let checked = 0;
    for (let i = 0; i < found.length - 1; i++) {
      const body = /-d '([^']+)'/.exec(found[i]!.body)?.[1];
      if (found[i]!.lang !== 'sh' || body === undefined || found[i + 1]!.lang !== 'json') continue;
      expect(await send(1, body), body).to.deep.equal(JSON.parse(found[i + 1]!.body));
      checked += 1;
    }
    expect(checked, 'the getRoutes and the -32001 examples').to.equal(2);
  });

  it("ping's example has the members ping answers", async () => {
    const example = JSON.parse(blocks(section('Methods')).find((b) => b.body.includes('"version"'))!.body) as { result: { data: object } };
    const answer = (await send(1, '{"jsonrpc":"2.0","id":3,"method":"ping"}')) as { result: { data: object } };
    expect(Object.keys(answer.result)).to.deep.equal(Object.keys(example.result));
    expect(Object.keys(answer.result.data)).to.deep.equal(Object.keys(example.result.data));
  });

  it('"Errors, with examples": each reply that can be asked for is the one environment 2 gives', async () => {
    const text = RPC_DOC.slice(RPC_DOC.indexOf('### Errors, with examples'));
    const lines = new Map<string, unknown>();
    for (const line of blocks(text)[0]!.body.split('\n')) {
      const m = /^(-\d+) (\{.*\})$/.exec(line.trim());
      if (m === null || m[2]!.includes('...')) continue;
      const reply = JSON.parse(m[2]!) as { error: { message: string } };
      lines.set(`${m[1]} ${reply.error.message}`, reply);
    }
    const example = (prefix: string): unknown => {
      const matches = [...lines].filter(([key]) => key.startsWith(prefix));
      expect(matches, prefix).to.have.length(1);
      return matches[0]![1];
    };
    const requests: [string, string][] = [
      ['-32700 Parse error', '{'],
      ['-32600 Invalid Request: a batch of 101', JSON.stringify(Array.from({ length: 101 }, (_, id) => ({ jsonrpc: '2.0', method: 'ping', id })))],
      ['-32601 Method not found', '{"jsonrpc":"2.0","id":"1","method":"nosuch"}'],
      ['-32602 Invalid params', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getRoutes', params: { routing_group: 'Group 1', cld: '1'.repeat(65) } })],
      ['-32001 ', '{"jsonrpc":"2.0","id":2,"method":"getRoutes","params":{"routing_group":"X","cld":"4420712345678"}}'],
      ['-32002 ', '{"jsonrpc":"2.0","id":3,"method":"getRoutes","params":{"routing_group":"Group 1","cld":"4420712345678","i_environment":3}}'],
    ];
    for (const [prefix, body] of requests) expect(await send(2, body), prefix).to.deep.equal(example(prefix));
  });
});
