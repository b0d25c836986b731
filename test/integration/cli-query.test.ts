// `sippy_routed query` against real listeners: the demo's two environments
// in one database, environment 2's external Group 1 asking environment 1.

import { expect } from 'chai';
import { loadDemo } from '../../src/db/demo.js';
import { RoutingClient } from '../../src/client/routing-client.js';
import { EXTERNAL_VENDOR_NAME, type RouteResult } from '../../src/routing/index.js';
import { runCli } from '../harness/cli.js';
import { useFreshDatabase } from '../harness/database.js';
import { EnvironmentDaemon } from '../harness/external.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

const TIME = '2026-01-15T12:00:00Z';

describe('sippy_routed query against a daemon', function () {
  this.timeout(30_000);
  const database = useFreshDatabase();
  let dir: TempDir;
  let switchB: EnvironmentDaemon;
  let switchA: EnvironmentDaemon;
  let expected: RouteResult;

  before(async () => {
    dir = makeTempDir('sr-cli-query-');
    await loadDemo(database().db, dir.path);
    switchB = await new EnvironmentDaemon(database().db, dir.path, 1).start();
    switchA = await new EnvironmentDaemon(database().db, dir.path, 2).start();
    const client = new RoutingClient(switchA.uri);
    try {
      expected = await client.getRoutes({ routing_group: 'Group 1', cld: '4420712345678', cli: '15551230000', call_start_time: TIME, explain: true });
    } finally {
      client.close();
    }
    expect(expected.routes.length).to.be.greaterThan(1);
  });

  after(async () => {
    await switchA?.stop();
    await switchB?.stop();
    dir?.remove();
  });

  const query = (...extra: string[]) => runCli(['query', switchA.uri, '--group', 'Group 1', '--cld', '4420712345678', '--cli', '15551230000', '--time', TIME, ...extra]);

  const note = () =>
    `note: group "Group 1" is external (uri ${switchB.uri}): explain is not forwarded to the upstream, so "left out" shows only this environment's connections, not why the upstream left any out; run the same query against ${switchB.uri} to see those`;

  it('--json prints the result as the daemon sent it (the external note on stderr)', async () => {
    const { code, stdout, stderr } = await query('--json', '--explain');
    expect({ code, stderr }).to.deep.equal({ code: 0, stderr: `sippy_routed: query: ${note()}\n` });
    expect(JSON.parse(stdout)).to.deep.equal(expected);
    expect(stdout.endsWith('}\n')).to.equal(true);
  });

  it('--explain on an external group says that explain is not forwarded; on a local group it says nothing of the kind', async () => {
    const external = await query('--explain');
    expect(external.code).to.equal(0);
    expect(external.stdout.endsWith(`\n${note()}\n`), external.stdout).to.equal(true);
    const local = await runCli(['query', switchB.uri, '--group', 'Group 1', '--cld', '4420712345678', '--time', TIME, '--explain']);
    expect({ code: local.code, stderr: local.stderr }).to.deep.equal({ code: 0, stderr: '' });
    expect(local.stdout).to.include('left out:');
    expect(local.stdout).not.to.include('note:');
  });

  it('prints the external routes as a table, in order, on the autocreated vendor', async () => {
    const { code, stdout, stderr } = await query();
    expect({ code, stderr }).to.deep.equal({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).to.equal('environment 2, group "Group 1" (policy lcr), cli "15551230000", cld "4420712345678"');
    expect(lines[1]).to.match(/^#\s+connection\s+vendor\s+destination\s+set\s+prefix\s+price_1\s+price_n\s+intervals\s+est\. cost\s+cli\s+cld$/);
    expect(lines[2]).to.match(/^-+( +-+){11}$/);
    const rows = lines.slice(3);
    expect(rows).to.have.length(expected.routes.length);
    rows.forEach((row, i) => {
      const r = expected.routes[i]!;
      const cells = row.split(/ {2,}/);
      expect(cells).to.deep.equal([
        String(i + 1), r.connection_name, EXTERNAL_VENDOR_NAME, r.destination, r.destination_set_name, r.prefix === '' ? '(any)' : r.prefix,
        r.price_1, r.price_n, `${r.interval_1}/${r.interval_n}`, `${r.estimated_cost} ${r.currency}`, r.cli, r.cld,
      ]);
    });
  });

  it('--max-routes caps the table', async () => {
    const { code, stdout } = await query('--max-routes', '1');
    expect(code).to.equal(0);
    expect(stdout.trimEnd().split('\n').slice(3)).to.have.length(1);
  });

  it('an upstream failure exits 1 with the code and data on stderr (last: it stops switch B)', async () => {
    await switchB.listener.stop(0);
    const { code, stdout, stderr } = await query();
    expect(code).to.equal(1);
    expect(stdout).to.equal('');
    expect(stderr).to.equal(
      `sippy_routed: query: the daemon answered error -32011: the upstream of routing group "Group 1" (${switchB.uri}) is unreachable {"uri":"${switchB.uri}"} [UPSTREAM_UNREACHABLE]\n`,
    );
  });
});
