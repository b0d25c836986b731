import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('../../../', import.meta.url).pathname;

// `make build` on a tiny project that uses the real Makefile, tsconfig and
// node_modules: a second build with no change runs no compiler, and a
// removed source leaves no compiled file behind (mocha would run it).
describe('make build is incremental and prunes compiled files of removed sources', function () {
  this.timeout(120_000);
  let root: string;

  const make = (target: string) => spawnSync('make', [target], { cwd: root, encoding: 'utf8', timeout: 100_000 });

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'sippy_routed-make-'));
    // Mtimes kept: the node_modules stamp stays newer than the lock file, so no `npm ci`.
    for (const file of ['Makefile', 'tsconfig.json', 'package.json', 'package-lock.json']) {
      spawnSync('cp', ['-p', join(REPO, file), join(root, file)]);
    }
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
    for (const dir of ['src/cli', 'test/unit', 'bench']) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'src/main.ts'), 'export const main = 1;\n');
    // The build writes the manual page by running this module.
    writeFileSync(join(root, 'src/cli/man-page.ts'), "process.stdout.write('.TH TEST 8\\n');\n");
    writeFileSync(join(root, 'test/unit/kept.test.ts'), "import { main } from '../../src/main.js';\nexport const kept = main;\n");
    writeFileSync(join(root, 'test/unit/removed.test.ts'), 'export const removed = 2;\n');
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it('compiles once, then does nothing while no source changed', () => {
    const first = make('build');
    expect(first.status, first.stderr + first.stdout).to.equal(0);
    expect(existsSync(join(root, 'dist/test/unit/removed.test.js'))).to.equal(true);
    expect(readFileSync(join(root, 'dist/sippy_routed.8'), 'utf8')).to.equal('.TH TEST 8\n');
    const second = make('build');
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).not.to.include('tsc');
  });

  it('a removed source takes its compiled file and source map with it', () => {
    rmSync(join(root, 'test/unit/removed.test.ts'));
    const build = make('build');
    expect(build.status, build.stderr + build.stdout).to.equal(0);
    expect(existsSync(join(root, 'dist/test/unit/removed.test.js'))).to.equal(false);
    expect(existsSync(join(root, 'dist/test/unit/removed.test.js.map'))).to.equal(false);
    expect(existsSync(join(root, 'dist/test/unit/kept.test.js'))).to.equal(true);
    expect(existsSync(join(root, 'dist/src/main.js'))).to.equal(true);
  });
});
