// A bad database is named at start and at every reload, not at the first
// call (operations.md, "Databases at start and reload"): the supervisor
// probes each DSN (connects, reads the schema version, looks for the change
// journal's triggers), logs a warning for each problem, and `status` shows
// per environment whether its database answers, its schema version and its
// data age. External groups whose local URI no listener serves are warned
// about too. Starting still succeeds.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemo } from '../../src/db/demo.js';
import { LATEST_SCHEMA_VERSION, triggerNames } from '../../src/db/migrations.js';
import type { SupervisorStatus } from '../../src/supervisor/supervisor.js';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { freePorts, runCliProcess, Supervisor } from '../harness/supervisor-process.js';
import { until, untilTrue } from '../harness/rpc.js';

/** Waits until the supervisor's log has a line matching `pattern` (there is no event to wait on). */
async function logged(supervisor: Supervisor, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const line = await until(async () => supervisor.stderr.split('\n').find((l) => pattern.test(l)), (found) => found !== undefined, timeoutMs, () => `a log line matching ${pattern}:\n${supervisor.stderr}`);
  return line!;
}

describe('supervisor: each database probed at start and reload; status shows it', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let run: string;
  let supervisor: Supervisor;
  let port: number;
  let noSuchDb: string;

  before(async () => {
    run = mkdtempSync(join(tmpdir(), 'sr-probe-'));
    // Environment 2's external Group 1 names environment 1's default socket.
    await loadDemo(database().db, run);
    [port] = await freePorts(1);
    noSuchDb = database().dsn.replace(/\/[^/?]+\?/, '/nosuchdb?');
    // Environment 1: a database that does not exist, and moved to HTTP.
    writeFileSync(join(run, 'econfig'), [
      'command_args="/usr/local/bin/sippy_routed -e %%I_ENVIRONMENT%%"',
      'case %%I_ENVIRONMENT%% in',
      `1) command_args="\${command_args} -d ${noSuchDb} -s http://127.0.0.1:${port} -a 127.0.0.1" ;;`,
      'esac',
      '',
    ].join('\n'));
    supervisor = new Supervisor({ econfig: join(run, 'econfig'), rundir: run, pidfile: join(run, 'sippy_routed.pid'), dsn: database().dsn });
  });

  after(async () => {
    await supervisor.kill();
    await DaemonProcess.killAll();
    rmSync(run, { recursive: true, force: true });
  });

  it('starts anyway; the log names the database that cannot be used, without waiting for a call', async () => {
    const status = await supervisor.waitServing();
    expect(status.last_reload.result).to.equal('ok');
    const line = await logged(supervisor, /"level":"warn".*nosuchdb/);
    expect(line).to.match(/"msg":"database mysql:\/\/root@localhost\/nosuchdb\?socket=[^"]+: cannot be used: database \\"nosuchdb\\" does not exist/);
    expect(line).to.include('"environments":"1"');
  });

  it("warns that environment 2's external Group 1 points at environment 1's UNIX socket, which nobody serves since it moved to HTTP", async () => {
    const line = await logged(supervisor, /external group \\"/);
    expect(line).to.include(`"msg":"environment 2: external group \\"Group 1\\" points at unix:${join(run, 'sippy_routed.1.sock')}, which no listener of this econfig serves`);
    expect(line).to.include('"level":"warn"');
    // Environment 1's own groups cannot be read (its database does not exist): said, not skipped silently.
    expect(await logged(supervisor, /external groups of environment 1 not checked/)).to.include('cannot be read');
  });

  it('status shows per environment whether its database answers, its schema version and its data age', async () => {
    const status = (await supervisor.waitStatus(
      (s) => s.listeners.every((l) => (l as unknown as { database: unknown }).database !== null),
      15_000, 'both databases probed',
    )) as unknown as SupervisorStatus;
    const [one, two] = status.listeners;
    expect(one!.database).to.include({ answers: false, schema_version: null });
    expect(one!.database!.problem).to.match(/nosuchdb/);
    expect(two!.database).to.include({ answers: true, schema_version: LATEST_SCHEMA_VERSION, triggers: true, problem: null });
    const table = await runCliProcess(['status', '--control', supervisor.control]);
    expect(table.code, table.stderr).to.equal(0);
    const rows = table.stdout.split('\n');
    expect(rows[1]).to.match(/\sdatabase\s+schema\s+data age$/);
    expect(rows.find((r) => r.startsWith('1 '))!.split(/\s{2,}/).slice(7, 9)).to.deep.equal(['NO ANSWER', '-']);
    const row2 = rows.find((r) => r.startsWith('2 '))!.split(/\s{2,}/);
    expect(row2.slice(7, 9)).to.deep.equal(['answers', String(LATEST_SCHEMA_VERSION)]);
    expect(row2[9]).to.match(/^\d+\.\d s$/);
    expect(table.stdout).to.match(/^ {2}environment 1: database mysql:\/\/root@localhost\/nosuchdb\S*: cannot be used: /m);
  });

  it('a reload with nothing changed probes again: dropped journal triggers are named in the log and in status', async () => {
    await database().db.modify(`DROP TRIGGER IF EXISTS ${triggerNames()[0]!}`);
    const reload = await runCliProcess(['reload', '--control', supervisor.control]);
    expect(reload.code, reload.stderr).to.equal(0);
    expect(reload.stdout).to.match(/^reload: unchanged/);
    const line = await logged(supervisor, /"level":"warn".*change journal triggers are missing/);
    expect(line).to.include(`"environments":"2"`);
    const status = await supervisor.waitStatus(
      (s) => (s.listeners[1] as unknown as { database: { triggers: boolean } }).database.triggers === false,
      15_000, 'status shows the triggers missing',
    );
    expect((status.listeners[1] as unknown as { database: { problem: string } }).database.problem).to.match(/^the change journal triggers are missing/);
  });
});

describe('the single-environment daemon: its database probed at start', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let run: string;

  before(() => {
    run = mkdtempSync(join(tmpdir(), 'sr-probe1-'));
  });

  after(async () => {
    await DaemonProcess.killAll();
    rmSync(run, { recursive: true, force: true });
  });

  it('-e 1 -d .../nosuchdb serves, and its log says that database cannot be used (not only "listening")', async () => {
    const socket = join(run, 'e1.sock');
    const daemon = new DaemonProcess(['-e', '1', '-d', database().dsn.replace(/\/[^/?]+\?/, '/nosuchdb?'), '-s', `unix:${socket}`]);
    await daemon.waitUntilServing(`unix:${socket}`);
    await untilTrue(() => /"level":"warn".*nosuchdb.*does not exist/.test(daemon.stderr), () => `a warning naming the database: ${daemon.stderr}`, 15_000);
    expect(daemon.stderr).to.match(/"msg":"database mysql:\/\/root@localhost\/nosuchdb\?socket=[^"]+: cannot be used: /);
    expect((await daemon.stop()).code).to.equal(0);
  });
});
