import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { RpcCallError } from '../../src/client/rpc-client.js';
import { loadDemo } from '../../src/db/demo.js';
import { catalogue } from '../../src/errors.js';
import { DaemonProcess } from '../harness/daemon.js';
import { useFreshDatabase } from '../harness/database.js';
import { runCli } from '../harness/cli.js';
import { delay, makeTempDir, type TempDir } from '../harness/rpc.js';

// A running daemon follows an apply (rates.md: both tools write the tables
// of routing.md in one transaction, and the daemons follow): its answers
// change accordingly, waited for with a bounded deadline.

const UK = { routing_group: 'Group 1', cld: '4420712345678', cli: '15551234567' };

describe('a running daemon follows sippy_routed apply', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let tmp: TempDir;

  before(async () => {
    tmp = makeTempDir('sr-setup-daemon-');
    await loadDemo(database().db, tmp.path);
  });

  afterEach(async () => DaemonProcess.killAll());
  after(() => tmp?.remove());

  /** The connections of a getRoutes answer, or the error code. */
  async function answer(client: RoutingClient, routing_group: string): Promise<string[] | number> {
    try {
      return (await client.getRoutes({ ...UK, routing_group })).routes.map((r) => r.connection_name);
    } catch (err) {
      if (err instanceof RpcCallError && err.remote !== undefined) return err.remote.code;
      throw err;
    }
  }

  it('a disabled connection leaves the answers and a new group answers, within a bounded wait', async () => {
    const socket = join(tmp.path, 'sr.1.sock');
    const daemon = new DaemonProcess(['-e', '1', '-s', `unix:${socket}`, '-d', database().dsn]);
    const client = new RoutingClient(`unix:${socket}`, { timeoutMs: 5000 });
    try {
      await daemon.waitUntilServing(`unix:${socket}`);
      expect(await answer(client, 'Group 1')).to.include('carrier-a-lon');
      expect(await answer(client, 'Applied')).to.equal(catalogue.ROUTING_GROUP_NOT_FOUND.rpc);

      const env = { SIPPY_ROUTED_DB: database().dsn };
      const exported = await runCli(['export', '--env', '1'], env);
      const edited = exported.stdout
        .replace('name: carrier-a-lon\n        destination: 198.51.100.7:5060\n        capacity: -1\n        enabled: true', 'name: carrier-a-lon\n        destination: 198.51.100.7:5060\n        capacity: -1\n        enabled: false')
        .concat('  - name: Applied\n    entries:\n      - { connection: carrier-b, destination_set: B-World }\n');
      expect(edited).to.contain('enabled: false');
      const file = join(tmp.path, 'env1.yaml');
      writeFileSync(file, edited);
      const applied = await runCli(['apply', file], env);
      expect(applied.code, applied.stderr).to.equal(0);
      expect(applied.stdout).to.contain('applied in one transaction: 2 added, 1 changed, 0 removed');

      const committed = Date.now();
      let seen: { group1: string[] | number; applied: string[] | number } | undefined;
      for (const deadline = committed + 10_000; Date.now() < deadline; await delay(25)) {
        seen = { group1: await answer(client, 'Group 1'), applied: await answer(client, 'Applied') };
        if (Array.isArray(seen.group1) && !seen.group1.includes('carrier-a-lon') && Array.isArray(seen.applied)) break;
      }
      expect(seen!.group1).to.be.an('array').that.does.not.include('carrier-a-lon');
      expect(seen!.group1).to.include('carrier-b');
      expect(seen!.applied).to.deep.equal(['carrier-b']);
    } finally {
      client.close();
      await daemon.stop();
    }
  });
});
