// The supervisor issue's acceptance test (operations.md, Reload): a real
// supervisor process, the environment list from the database, clients
// calling getRoutes without pause on three environments, and more than 30
// edits of the econfig file — allow-list changes, UNIX and TCP moves, socket
// swaps, environments disabled and re-enabled, one added to the table, and
// broken edits saved the ways editors save. A listener whose configuration
// did not change in a step must not fail a single request.

import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoutingClient } from '../../src/client/routing-client.js';
import { loadDemo } from '../../src/db/demo.js';
import { freshDatabase, useFreshDatabase, type TestDatabase } from '../harness/database.js';
import { ReloadDriver, socketUri, type Model } from '../harness/reload-driver.js';
import { RouteLoad, StepLedger } from '../harness/route-load.js';
import { RoutingFixture } from '../harness/routing-fixture.js';
import { DaemonProcess } from '../harness/daemon.js';
import { freePorts, holdPort, loggedReloads, runCliProcess, Supervisor, type HeldPort } from '../harness/supervisor-process.js';

const CALLS = new Map([
  [1, { routing_group: 'Group 1', cld: '442071234567' }],
  [2, { routing_group: 'Local', cld: '12125551234' }],
  [3, { routing_group: 'Group 3', cld: '15551234567' }],
]);

/** carrier-a-lon's address in the second database, to tell which database answered. */
const SECOND_DESTINATION = '198.51.100.99:5060';

/** Environment 3: not in the demo set; one group with a catch-all route. */
async function insertEnvironment3(fixture: RoutingFixture): Promise<void> {
  await fixture.environmentRow('Switch C (added during the test)');
  const vendor = await fixture.vendor('Carrier Z');
  const connection = await fixture.connection({ vendor, name: 'carrier-z' });
  const destinations = await fixture.destinationSet({ name: 'Z-World' });
  await fixture.route(destinations, { prefix: '' });
  await fixture.route(destinations, { prefix: '1', price_1: '0.004000' });
  await fixture.entry(await fixture.group({ name: 'Group 3' }), connection, destinations);
}

const set = (model: Model, environment: number, change: Partial<Model[number]>): Model => ({ ...model, [environment]: { ...model[environment]!, ...change } });

describe('supervisor: reload under load', function () {
  this.timeout(120_000);
  const database = useFreshDatabase();
  let dir: string;
  let supervisor: Supervisor | undefined;
  let load: RouteLoad | undefined;
  let foreign: HeldPort | undefined;
  let second: TestDatabase | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sr-reload-'));
  });

  after(async () => {
    await load?.stop();
    await supervisor?.kill();
    await DaemonProcess.killAll();
    await foreign?.close();
    await second?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every valid edit within 1 s, no unchanged listener fails a request, no invalid edit is applied', async () => {
    const run = join(dir, 'run');
    const etc = join(dir, 'etc');
    mkdirSync(run);
    mkdirSync(etc);
    const file = join(etc, 'econfig');
    const { db, dsn } = database();
    await loadDemo(db, run);
    // A second database with the same routes: environment 1 switches to it and back under load.
    second = await freshDatabase();
    await loadDemo(second.db, run);
    await second.db.modify("UPDATE connections SET destination = ? WHERE name = 'carrier-a-lon'", [SECOND_DESTINATION]);
    const [p1, p2, p3] = await freePorts(3);
    const [a1, a2, c1, c2] = ['a1', 'a2', 'c1', 'c2'].map((name) => ({ unix: join(run, `${name}.sock`) }));
    const local = '127.0.0.1';
    const initial: Model = {
      1: { enabled: true, socket: a1!, allow: [] },
      2: { enabled: true, socket: { port: p1! }, allow: [local] },
      3: { enabled: true, socket: c1!, allow: [] },
    };

    load = new RouteLoad(CALLS);
    const ledger = new StepLedger();
    // No timed poll of the environments table during the test: every reload is one the test caused.
    supervisor = new Supervisor({ econfig: file, rundir: run, pidfile: join(run, 'sippy_routed.pid'), dsn, extraArgs: ['--env-poll', '600'] });
    const driver = new ReloadDriver(supervisor, file, initial, [1, 2], load, ledger);
    writeFileSync(file, driver.initialText);
    const first = await supervisor.waitServing();
    expect(first.environments).to.deep.equal([1, 2]);
    expect(first.listeners.map((l) => l.socket)).to.deep.equal([`unix:${a1!.unix}`, `http://127.0.0.1:${p1}/`]);
    driver.aimLoad();
    load.start();

    await driver.edit('comment-only edit', 'in-place', (m) => m);
    await driver.addEnvironment(3, () => insertEnvironment3(new RoutingFixture(db, 3)), async () => {
      const reload = await runCliProcess(['reload', '--control', supervisor!.control]);
      expect(reload.code, reload.stderr).to.equal(0);
      expect(reload.stdout).to.contain(`environment 3: start on unix:${c1!.unix}`);
    });
    await driver.edit('allow-list: another address', 'in-place', (m) => set(m, 2, { allow: [local, '192.0.2.10'] }));
    await driver.edit('allow-list: a second -a with a prefix', 'rename-over', (m) => set(m, 2, { allow: [local, '192.0.2.10', '198.51.100.0/24'] }));
    await driver.edit('another database for environment 1', 'rename-over', (m) => set(m, 1, { options: ['-d', second!.dsn] }));
    const answeredFrom = async (): Promise<string[]> => {
      const client = new RoutingClient(socketUri(driver.current[1]!.socket));
      try {
        return (await client.getRoutes(CALLS.get(1)!)).routes.map((r) => r.destination);
      } finally {
        client.close();
      }
    };
    expect(await answeredFrom(), 'environment 1 answers from the second database').to.include(SECOND_DESTINATION);
    await driver.edit('smaller database pool for environment 2', 'in-place', (m) => set(m, 2, { options: ['--db-connections', '4', '--db-timeout', '3000'] }));
    await driver.edit('UNIX move', 'in-place', (m) => set(m, 1, { socket: a2! }));
    await driver.edit('TCP move', 'in-place', (m) => set(m, 2, { socket: { port: p2! } }));

    await driver.broken('syntax error', 'in-place', { top: 'command_args="unterminated' }, /:\d+:\d+: .*(quote|unterminated|end of file)/i);
    await driver.broken('unknown option', 'rename-over', { inCase: { environment: 3, line: 'command_args="${command_args} -x"' } }, /environment 3: .*unknown option -x/);
    await driver.broken('port clash', 'in-place', {}, /clash/, set(driver.current, 3, { socket: { port: p2! }, allow: [local] }));
    await driver.broken('unset variable', 'vim', { inCase: { environment: 1, line: 'command_args="${comand_args} -e 1"' } }, /environment 1: .*comand_args/);
    await driver.deleteAndRestore();

    await driver.edit('environment disabled', 'in-place', (m) => set(m, 3, { enabled: false }));
    await driver.edit('environment re-enabled', 'rename-over', (m) => set(m, 3, { enabled: true }));
    await driver.edit('UNIX move back, saved like vim', 'vim', (m) => set(m, 1, { socket: a1! }));
    await driver.edit('TCP move back, renamed over', 'rename-over', (m) => set(m, 2, { socket: { port: p1! } }));
    await driver.edit('allow-list, half-written save', 'half-written', (m) => set(m, 2, { allow: [local, '192.0.2.10'] }));
    await driver.edit('UNIX move, half-written save', 'half-written', (m) => set(m, 3, { socket: c2! }));
    await driver.broken('enable=maybe, half-written save', 'half-written', { inCase: { environment: 3, line: 'enable="maybe"' } }, /environment 3: enable: expected YES or NO/);
    await driver.broken('command substitution, saved like vim', 'vim', { top: 'host=$(hostname)' }, /:\d+:\d+: /);
    await driver.edit('allow-list without our client', 'in-place', (m) => set(m, 2, { allow: ['192.0.2.10'] }));
    await driver.edit('allow-list with our client again', 'in-place', (m) => set(m, 2, { allow: [local, '192.0.2.10'] }));
    await driver.edit('UNIX to TCP move', 'rename-over', (m) => set(m, 3, { socket: { port: p3! }, allow: [local] }));
    await driver.edit('TCP to UNIX move, saved like vim', 'vim', (m) => set(m, 3, { socket: c1!, allow: [] }));
    await driver.edit('two environments swap sockets', 'in-place', (m) => set(set(m, 1, { socket: c1! }), 3, { socket: a1! }));
    await driver.edit('and swap back', 'rename-over', (m) => set(set(m, 1, { socket: a1! }), 3, { socket: c1! }));
    await driver.broken('missing esac', 'rename-over', { dropEsac: true }, /:\d+:\d+: /);
    await driver.edit('comment-only edit, saved like vim', 'vim', (m) => m);
    await driver.edit('environment 1 back on the supervisor\'s database', 'vim', (m) => set(m, 1, { options: [] }));
    expect(await answeredFrom(), 'environment 1 answers from the supervisor\'s database').to.not.include(SECOND_DESTINATION);
    await driver.edit('environment 1 disabled', 'in-place', (m) => set(m, 1, { enabled: false }));
    await driver.edit('environment 1 re-enabled, half-written save', 'half-written', (m) => set(m, 1, { enabled: true }));
    await driver.edit('TCP move, saved like vim', 'vim', (m) => set(m, 2, { socket: { port: p2! } }));
    await driver.broken('bad address in the allow-list', 'in-place', {}, /environment 2: .*300\.1\.1\.1/, set(driver.current, 2, { allow: [local, '300.1.1.1'] }));
    await driver.edit('TCP move back, half-written save', 'half-written', (m) => set(m, 2, { socket: { port: p1! } }));
    foreign = await holdPort();
    const held = foreign;
    await driver.bindFails('TCP move to a port another process holds', 'in-place', (m) => set(m, 2, { socket: { port: held.port } }), /environment 2: .*in use/, () => held.close(), async () => {
      const reload = await runCliProcess(['reload', '--control', supervisor!.control]);
      expect(reload.code, reload.stderr).to.equal(0);
    });
    await driver.edit('last comment-only edit', 'rename-over', (m) => m);

    await load.stop();
    expect(driver.edits, 'econfig edits').to.be.at.least(30);
    for (const environment of CALLS.keys()) expect(load.successes(environment), `requests answered on environment ${environment}`).to.be.greaterThan(50);
    const violations = ledger.violations(load.failures);
    expect(violations, `${violations.length} failed requests on unchanged listeners:\n${violations.slice(0, 20).join('\n')}`).to.deep.equal([]);
    expect(supervisor.alive, 'supervisor still running').to.equal(true);
    // Editors' intermediate states (half a file, a moment without one) were never reloaded on their own.
    expect(loggedReloads(supervisor.stderr).error, 'failed reloads logged').to.equal(driver.rejected);
  });
});
