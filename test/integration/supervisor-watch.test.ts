// How the supervisor process notices econfig changes, end to end
// (operations.md, Reload): a symlink swap and an edit of the link's target
// are reloads, an edit of a file the link no longer points to is not; a
// burst of saves is one reload. (supervisor-watcher.test covers the
// FileWatcher itself, event sequence by event sequence.) That something did
// not happen is proved by a later event, never by a sleep: the supervisor
// logs each change its watch sees (debug), a process's inotify events come
// in order, so once a later edit was seen and applied, an earlier one the
// watch would have seen is in the log.

import { expect } from 'chai';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFreshDatabase } from '../harness/database.js';
import { DaemonProcess } from '../harness/daemon.js';
import { delay } from '../harness/rpc.js';
import { sha256, Supervisor } from '../harness/supervisor-process.js';

const econfigOn = (socket: string): string =>
  `command_args="/opt/sippy_routed/sippy_routed.\${extension} -e %%I_ENVIRONMENT%% -s unix:${socket}"\n`;

interface LogLine {
  readonly msg: string;
  readonly why?: string;
  readonly trigger?: string;
}

/** The supervisor's JSON log lines, whole lines only. */
const logLines = (stderr: string): LogLine[] =>
  stderr
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/** Reloads the file watch caused, changed or not. */
const fileReloads = (lines: readonly LogLine[]): LogLine[] => lines.filter((l) => /^reload (ok|error|unchanged)$/.test(l.msg) && l.trigger === 'file change');

describe('supervisor: watching the econfig file', function () {
  this.timeout(60_000);
  const database = useFreshDatabase();
  let dir: string;
  let count = 0;
  const started: Supervisor[] = [];

  const start = async (file: string): Promise<{ supervisor: Supervisor; run: string }> => {
    const run = join(dir, `run${++count}`);
    mkdirSync(run);
    const supervisor = new Supervisor({ econfig: file, rundir: run, pidfile: join(run, 'pid'), dsn: database().dsn, environments: [1], extraArgs: ['--log-level', 'debug'] });
    started.push(supervisor);
    await supervisor.waitServing();
    return { supervisor, run };
  };

  /**
   * Waits until the reload of `text` is done (listeners show a move before
   * its reload result is recorded) and environment 1 runs on `socket`. The
   * bound is a generous correctness bound, not operations.md's 1 s: a busy
   * machine must not fail it.
   */
  const applied = (supervisor: Supervisor, text: string, socket: string) =>
    supervisor.waitStatus((s) => s.last_reload?.hash === sha256(text) && s.listeners[0]?.socket === `unix:${socket}`, 10_000, `environment 1 on ${socket}`);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sr-watch-'));
  });

  after(async () => {
    await Promise.all(started.map((s) => s.kill()));
    await DaemonProcess.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows a symlink swap and edits of the target, not of a file the link left', async () => {
    const etc = join(dir, 'etc');
    const releases = join(dir, 'releases');
    mkdirSync(etc);
    mkdirSync(releases);
    const [v1, v2] = [join(releases, 'v1.econfig'), join(releases, 'v2.econfig')];
    const link = join(etc, 'econfig');
    writeFileSync(v1, econfigOn(join(dir, 's1.sock')));
    symlinkSync(v1, link);
    const { supervisor } = await start(link);
    expect((await supervisor.status()).listeners[0]!.socket).to.equal(`unix:${join(dir, 's1.sock')}`);

    // ln -sfn: a new link renamed over the old one.
    const second = econfigOn(join(dir, 's2.sock'));
    writeFileSync(v2, second);
    symlinkSync(v2, join(etc, '.econfig.new'));
    renameSync(join(etc, '.econfig.new'), link);
    const swapped = await applied(supervisor, second, join(dir, 's2.sock'));
    expect(swapped.last_reload).to.include({ result: 'ok', trigger: 'file change' });

    const third = econfigOn(join(dir, 's3.sock'));
    writeFileSync(v2, third);
    await applied(supervisor, third, join(dir, 's3.sock'));

    const logged = logLines(supervisor.stderr).length;
    writeFileSync(v1, econfigOn(join(dir, 's4.sock')));
    // The marker: an edit of the target, seen after the edit of v1 would have been.
    const fifth = econfigOn(join(dir, 's5.sock'));
    writeFileSync(v2, fifth);
    const after = await applied(supervisor, fifth, join(dir, 's5.sock'));
    expect(after.last_reload.changes).to.deep.equal([`environment 1: move from unix:${join(dir, 's3.sock')} to unix:${join(dir, 's5.sock')}`]);
    const since = logLines(supervisor.stderr).slice(logged);
    const seen = since.filter((l) => l.msg === 'econfig change seen').map((l) => l.why);
    expect(seen, 'changes the watch saw').to.include(`change ${v2}`);
    expect(seen.filter((why) => why!.includes(v1)), 'the edit of the file the link left').to.deep.equal([]);
    expect(fileReloads(since), 'one reload, for the marker').to.have.length(1);
  });

  it('a burst of saves closer than the debounce is one reload of the last content', async () => {
    const file = join(dir, 'burst.econfig');
    writeFileSync(file, econfigOn(join(dir, 'b0.sock')));
    const { supervisor } = await start(file);
    const logged = logLines(supervisor.stderr).length;
    let last = '';
    for (let i = 1; i <= 8; i++) {
      last = econfigOn(join(dir, `b${i}.sock`));
      writeFileSync(file, last);
      await delay(20);
    }
    const status = await applied(supervisor, last, join(dir, 'b8.sock'));
    expect(status.last_reload.result).to.equal('ok');
    expect(status.last_reload.changes).to.deep.equal([`environment 1: move from unix:${join(dir, 'b0.sock')} to unix:${join(dir, 'b8.sock')}`]);
    // The marker: one more save after the burst's reload. A second reload
    // for the burst shows here as a third (only one the marker's own
    // debounce swallowed would not, and that one reads nothing twice).
    const marker = econfigOn(join(dir, 'b9.sock'));
    writeFileSync(file, marker);
    await applied(supervisor, marker, join(dir, 'b9.sock'));
    const reloads = fileReloads(logLines(supervisor.stderr).slice(logged)).map((l) => l.msg);
    expect(reloads, 'one reload for the burst, one for the marker').to.deep.equal(['reload ok', 'reload ok']);
  });
});
