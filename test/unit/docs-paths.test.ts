import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manPage } from '../../src/cli/man-page.js';

// The project's docs stand alone: every file they link to or name is in the
// repository. A reader who follows "see routing.md" or a link finds the
// page; nothing points at a specification or a file that is not shipped.
// Checked: README.md, docs/*.md and the manual page (which holds every
// command's --help).

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = join(REPO, 'docs');

interface Doc {
  readonly name: string;
  /** Directory relative links resolve from. */
  readonly dir: string;
  readonly text: string;
}

/** Top-level paths of the repository a doc may name in backquotes (`src/rpc/listener.ts`). */
const TREE_ROOTS = ['src/', 'test/', 'bench/', 'etc/', 'rc.d/', 'docs/'];

/** Markdown links `[text](target)` to a file of the repository (not a URL, not an anchor of the same page). */
export function markdownLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.replace(/#.*$/, ''));
}

/** Names of .md files a text mentions (`routing.md`, `docs/errors.md`, `spec/econfig.md`), outside URLs. */
export function mdMentions(text: string): string[] {
  const withoutUrls = text.replace(/https?:\/\/\S+/g, '');
  return [...withoutUrls.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w-]+\.md)\b/g)].map((m) => m[1]!);
}

/** Paths into the tree a text names in backquotes: `src/rpc/listener.ts`, `etc/econfig.sample`, `docs/`. */
export function treePaths(text: string): string[] {
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!)
    .filter((path) => TREE_ROOTS.some((root) => path.startsWith(root)) && !/[*{}<>$%]/.test(path))
    .map((path) => path.replace(/[:#].*$/, ''));
}

/** Where a named file is: relative to the doc, to the repository root, or in docs/ (pages name each other by file name). */
function resolves(doc: Doc, path: string): boolean {
  return [join(doc.dir, path), join(REPO, path), join(DOCS, path)].some((candidate) => normalize(candidate).startsWith(REPO) && existsSync(candidate));
}

async function docs(): Promise<Doc[]> {
  const pages = readdirSync(DOCS).filter((name) => name.endsWith('.md')).map((name) => ({ name: `docs/${name}`, dir: DOCS, text: readFileSync(join(DOCS, name), 'utf8') }));
  return [
    { name: 'README.md', dir: REPO, text: readFileSync(join(REPO, 'README.md'), 'utf8') },
    ...pages,
    // The page unescaped (roff writes `-` as `\-`), resolved as from the root.
    { name: 'sippy_routed.8', dir: REPO, text: (await manPage()).replace(/\\-/g, '-') },
  ];
}

describe('docs: every file they link to or name is in the repository', () => {
  it('the readers find what they look for: links, .md names, spec/ and tree paths', () => {
    const text = 'See [the rules](routing.md#cost), [x](https://example.com/a.md), routing.md, spec/econfig.md, `src/rpc/listener.ts` and `var/run/x.sock`.';
    expect(markdownLinks(text)).to.deep.equal(['routing.md']);
    expect(mdMentions(text)).to.deep.equal(['routing.md', 'routing.md', 'spec/econfig.md']);
    expect(treePaths(text)).to.deep.equal(['src/rpc/listener.ts']);
  });

  it('markdown links resolve to files of the repository', async () => {
    const broken: string[] = [];
    for (const doc of await docs()) for (const target of markdownLinks(doc.text)) if (!existsSync(join(doc.dir, target))) broken.push(`${doc.name}: (${target})`);
    expect(broken).to.deep.equal([]);
  });

  it('no doc names a spec/ file or an .md file that is not in the repository', async () => {
    const missing: string[] = [];
    for (const doc of await docs()) {
      for (const name of mdMentions(doc.text)) if (name.startsWith('spec/') || !resolves(doc, name)) missing.push(`${doc.name}: ${name}`);
      if (/\bspec\//.test(doc.text.replace(/https?:\/\/\S+/g, ''))) missing.push(`${doc.name}: mentions spec/`);
    }
    expect([...new Set(missing)]).to.deep.equal([]);
  });

  it('paths into the tree (src/, test/, bench/, etc/, rc.d/, docs/) in backquotes exist', async () => {
    const missing: string[] = [];
    for (const doc of await docs()) {
      for (const path of treePaths(doc.text)) {
        // A placeholder (`bench-YYYYMMDDTHHMMSSZ.json`) names what a run writes: its directory must exist.
        const where = /[A-Z]{4}/.test(path) ? join(REPO, path, '..') : join(REPO, path);
        // `bench/hot-path.js` is run from dist/: its source is the .ts.
        if (!existsSync(where) && !existsSync(where.replace(/\.js$/, '.ts'))) missing.push(`${doc.name}: ${path}`);
      }
    }
    expect([...new Set(missing)]).to.deep.equal([]);
  });
});
