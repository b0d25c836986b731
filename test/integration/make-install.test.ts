import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOC_DIR, manPage } from '../../src/cli/man-page.js';

const REPO = new URL('../../../', import.meta.url).pathname;

// make install puts the manual page where man finds it, and the docs it
// points to where it says; make uninstall removes them and says what it
// kept, with no make error in its output.
describe('make install: the manual page; make uninstall: quiet about the econfig it keeps', function () {
  this.timeout(120_000);
  let root: string;
  const dest = () => join(root, 'dest');
  const make = (target: string) => spawnSync('make', [target, `DESTDIR=${dest()}`, 'PREFIX=/usr/local'], { cwd: REPO, encoding: 'utf8', timeout: 110_000 });

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'sippy_routed-install-'));
    const install = make('install');
    expect(install.status, install.stderr + install.stdout).to.equal(0);
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it('installs sippy_routed.8 under PREFIX/share/man/man8, the page the program makes from its --help', async () => {
    const installed = readFileSync(join(dest(), 'usr/local/share/man/man8/sippy_routed.8'), 'utf8');
    expect(installed).to.equal(await manPage());
  });

  it('installs the Grafana dashboard under PREFIX/share/sippy_routed/grafana, as it is in etc/grafana', () => {
    const installed = readFileSync(join(dest(), 'usr/local/share/sippy_routed/grafana/sippy_routed.json'), 'utf8');
    expect(installed).to.equal(readFileSync(join(REPO, 'etc/grafana/sippy_routed.json'), 'utf8'));
  });

  it('installs the Kamailio config beside the econfig sample, as it is in etc/kamailio', () => {
    const installed = readFileSync(join(dest(), 'usr/local/etc/sippy_routed/kamailio/sippy_routed.cfg'), 'utf8');
    expect(installed).to.equal(readFileSync(join(REPO, 'etc/kamailio/sippy_routed.cfg'), 'utf8'));
  });

  it('installs README.md and docs/ under PREFIX/share/doc/sippy_routed, as they are in the tree, where the man page says', async () => {
    const docdir = join(dest(), 'usr/local/share/doc/sippy_routed');
    expect(DOC_DIR, 'the default PREFIX').to.equal('/usr/local/share/doc/sippy_routed');
    expect(readFileSync(join(docdir, 'README.md'), 'utf8')).to.equal(readFileSync(join(REPO, 'README.md'), 'utf8'));
    const files = readdirSync(join(REPO, 'docs'));
    expect(readdirSync(join(docdir, 'docs')).sort()).to.deep.equal([...files].sort());
    for (const file of files) expect(readFileSync(join(docdir, 'docs', file), 'utf8'), file).to.equal(readFileSync(join(REPO, 'docs', file), 'utf8'));
    // Every docs/NAME.md the page names is installed.
    const page = await manPage();
    expect(page).to.include(DOC_DIR);
    const named = [...page.replace(/\\-/g, '-').matchAll(/\b([a-z-]+\.md)\b/g)].map((m) => m[1]!).filter((name) => name !== 'README.md');
    expect(named).to.include('operations.md');
    for (const name of named) expect(existsSync(join(docdir, 'docs', name)), `docs/${name}, named by the man page`).to.equal(true);
  });

  it('the installed page renders with man -l, with every command', function () {
    const man = spawnSync('man', ['-l', join(dest(), 'usr/local/share/man/man8/sippy_routed.8')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat' } });
    if (man.error !== undefined) this.skip(); // no man(1) on this machine: the equality above stands
    expect(man.status, man.stderr).to.equal(0);
    for (const command of ['supervise', 'status, reload', 'query', 'groups', 'routes', 'check', 'db', 'demo', 'rates']) expect(man.stdout).to.include(`   ${command}\n`);
  });

  it('uninstall removes the page, keeps the econfig and says so, with no make error', () => {
    const econfig = join(dest(), 'usr/local/etc/sippy_routed/econfig');
    writeFileSync(econfig, '# mine\n');
    const uninstall = make('uninstall');
    expect(uninstall.status, uninstall.stderr).to.equal(0);
    expect(uninstall.stdout + uninstall.stderr).not.to.match(/Error|ignored/);
    expect(uninstall.stdout).to.include(`kept ${join(dest(), 'usr/local/etc/sippy_routed')}: it holds your files (econfig)`);
    expect(readFileSync(econfig, 'utf8')).to.equal('# mine\n');
    expect(existsSync(join(dest(), 'usr/local/share/man/man8/sippy_routed.8'))).to.equal(false);
    expect(existsSync(join(dest(), 'usr/local/share/sippy_routed'))).to.equal(false);
    expect(existsSync(join(dest(), 'usr/local/share/doc/sippy_routed'))).to.equal(false);
    expect(existsSync(join(dest(), 'usr/local/etc/sippy_routed/kamailio'))).to.equal(false);
    expect(existsSync(join(dest(), 'usr/local/bin/sippy_routed'))).to.equal(false);
  });
});
