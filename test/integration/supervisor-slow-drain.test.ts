// operations.md, Reload: "an edit is applied within 1 s of the save", also
// while an earlier reload's old listener still drains a slow request. The
// slow request is a call to an external group whose upstream (a fake daemon
// of the test) never answers, so it lasts the listener's upstream timeout.

import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { loadDemo } from '../../src/db/demo.js';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { call, delay, post, untilTrue } from '../harness/rpc.js';
import { sha256, Supervisor } from '../harness/supervisor-process.js';

const UPSTREAM_TIMEOUT_MS = 3000;

const econfig = (env1: string, env2: string): string => [
  'command_args="/opt/sippy_routed/sippy_routed.${extension} -e %%I_ENVIRONMENT%%"',
  'case %%I_ENVIRONMENT%% in',
  `1) command_args="\${command_args} -s unix:${env1}" ;;`,
  `2) command_args="\${command_args} -s unix:${env2} --upstream-timeout ${UPSTREAM_TIMEOUT_MS}" ;;`,
  'esac',
  '',
].join('\n');

/** Polls ping on `socket` until it answers for `environment`; rejects after `deadline`. */
async function answering(socket: string, environment: number, deadline: number): Promise<void> {
  for (;;) {
    const client = new RoutingClient(`unix:${socket}`, { timeoutMs: 300 });
    try {
      if ((await client.ping()).i_environment === environment) return;
    } catch {
      // not yet
    } finally {
      client.close();
    }
    if (Date.now() > deadline) throw new Error(`environment ${environment} not answering on ${socket} in time`);
    await delay(20);
  }
}

describe('supervisor: an edit while an old listener drains a slow request', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let dir: string;
  let supervisor: Supervisor | undefined;
  let upstream: Server | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sr-drain-'));
  });

  after(async () => {
    upstream?.closeAllConnections();
    await new Promise((resolve) => (upstream === undefined ? resolve(undefined) : upstream.close(resolve)));
    await supervisor?.kill();
    await DaemonProcess.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the second edit within 1 s, and the slow request still gets its answer', async () => {
    const { db, dsn } = database();
    await loadDemo(db, dir);
    // Environment 2's external Group 1 asks an upstream that takes the call and never answers.
    const upstreamSocket = join(dir, 'upstream.sock');
    let calls = 0;
    upstream = createServer(() => (calls += 1));
    await new Promise<void>((resolve) => upstream!.listen(upstreamSocket, resolve));
    await db.modify("UPDATE routing_groups SET uri = ? WHERE i_environment = 2 AND name = 'Group 1'", [`unix:${upstreamSocket}`]);

    const [a1, a2, b1, b2] = ['a1', 'a2', 'b1', 'b2'].map((name) => join(dir, `${name}.sock`));
    const file = join(dir, 'econfig');
    writeFileSync(file, econfig(a1!, b1!));
    supervisor = new Supervisor({ econfig: file, rundir: dir, pidfile: join(dir, 'pid'), dsn, environments: [1, 2] });
    await supervisor.waitServing();

    const slow = post({ socketPath: b1! }, call('getRoutes', { routing_group: 'Group 1', cld: '12125551234' }));
    await untilTrue(() => calls > 0, 'the slow request reaching the upstream');
    const sentAt = Date.now();

    // Environment 2 moves: its old listener drains the slow request.
    writeFileSync(file, econfig(a1!, b2!));
    await answering(b2!, 2, Date.now() + 1000);

    // Then environment 1 moves: nothing of it waits for environment 2's drain.
    const second = econfig(a2!, b2!);
    writeFileSync(file, second);
    const savedAt = Date.now();
    await answering(a2!, 1, savedAt + 1000);
    const status = await supervisor.waitStatus((s) => s.last_reload.hash === sha256(second), savedAt + 1000 - Date.now(), 'second edit applied');
    expect(status.listeners.map((l) => l.socket)).to.deep.equal([`unix:${a2}`, `unix:${b2}`]);
    expect(Date.now() - sentAt, 'the slow request is still in flight').to.be.lessThan(UPSTREAM_TIMEOUT_MS);

    const answer = await slow;
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.json).to.have.property('id', 1);
  });
});
