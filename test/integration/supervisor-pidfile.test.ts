import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SippyError } from '../../src/errors.js';
import { Pidfile } from '../../src/supervisor/pidfile.js';
import { makeTempDir, type TempDir } from '../harness/rpc.js';

function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60_000)'], { stdio: 'ignore' });
}

/** The pid of a process that has exited (and was reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(SippyError);
    return (err as SippyError).code;
  }
  return undefined;
}

describe('supervisor: Pidfile', () => {
  let dir: TempDir;
  let path: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = makeTempDir('sr-pid-');
    path = join(dir.path, 'sippy_routed.pid');
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    dir.remove();
  });

  it('acquire writes our pid and a newline, leaving no temporary file', () => {
    const pidfile = new Pidfile(path);
    pidfile.acquire();
    expect(readFileSync(path, 'utf8')).to.equal(`${process.pid}\n`);
    expect(readdirSync(dir.path)).to.deep.equal(['sippy_routed.pid']);
  });

  it('acquire is idempotent, and so is release', () => {
    const pidfile = new Pidfile(path);
    pidfile.acquire();
    pidfile.acquire();
    expect(readFileSync(path, 'utf8')).to.equal(`${process.pid}\n`);
    pidfile.release();
    expect(existsSync(path)).to.equal(false);
    pidfile.release();
    expect(existsSync(path)).to.equal(false);
  });

  it('refuses a pidfile naming another live process, and leaves it as it was', async () => {
    const child = sleeper();
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    writeFileSync(path, `${child.pid}\n`);
    const pidfile = new Pidfile(path);
    expect(codeOf(() => pidfile.acquire())).to.equal('SUPERVISOR_RUNNING');
    expect(readFileSync(path, 'utf8')).to.equal(`${child.pid}\n`);
    // Refused means not held: release must not remove the other's file.
    pidfile.release();
    expect(readFileSync(path, 'utf8')).to.equal(`${child.pid}\n`);
  });

  it('the message names the live pid and the file', async () => {
    const child = sleeper();
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    writeFileSync(path, `${child.pid}`);
    try {
      new Pidfile(path).acquire();
      expect.fail('acquire should have thrown');
    } catch (err) {
      expect((err as Error).message).to.include(String(child.pid)).and.to.include(path);
    }
  });

  it('takes over a pidfile naming a process that has exited', async () => {
    writeFileSync(path, `${await deadPid()}\n`);
    new Pidfile(path).acquire();
    expect(readFileSync(path, 'utf8')).to.equal(`${process.pid}\n`);
  });

  for (const [what, content] of [
    ['garbage', 'not a pid\n'],
    ['an empty file', ''],
    ['zero', '0\n'],
    ['a negative number', '-1\n'],
  ] as const) {
    it(`takes over a pidfile holding ${what}`, () => {
      writeFileSync(path, content);
      new Pidfile(path).acquire();
      expect(readFileSync(path, 'utf8')).to.equal(`${process.pid}\n`);
    });
  }

  it('takes over a pidfile that already names our own pid (a restart that got the same pid)', () => {
    writeFileSync(path, `${process.pid}\n`);
    const pidfile = new Pidfile(path);
    pidfile.acquire();
    pidfile.release();
    expect(existsSync(path)).to.equal(false);
  });

  it('release leaves alone a pidfile another process has rewritten', () => {
    const pidfile = new Pidfile(path);
    pidfile.acquire();
    writeFileSync(path, '4242\n');
    pidfile.release();
    expect(readFileSync(path, 'utf8')).to.equal('4242\n');
  });

  it('release does not fail when the pidfile is already gone', () => {
    const pidfile = new Pidfile(path);
    pidfile.acquire();
    dir.remove();
    expect(() => pidfile.release()).to.not.throw();
  });

  it('a pidfile that cannot be written is SUPERVISOR_START_FAILED, with no temporary file left', () => {
    const pidfile = new Pidfile(join(dir.path, 'missing', 'sippy_routed.pid'));
    expect(codeOf(() => pidfile.acquire())).to.equal('SUPERVISOR_START_FAILED');
    expect(readdirSync(dir.path)).to.deep.equal([]);
    // Never held: release is a no-op.
    expect(() => pidfile.release()).to.not.throw();
  });

  it('a supervisor with an explicit pid writes that pid and removes only it', () => {
    const pidfile = new Pidfile(path, 4243);
    pidfile.acquire();
    expect(readFileSync(path, 'utf8')).to.equal('4243\n');
    pidfile.release();
    expect(existsSync(path)).to.equal(false);
  });
});
