import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { declaredOptions } from '../../src/cli/args.js';
import { helpText, manPage, usageBlock } from '../../src/cli/man-page.js';
import { demoRouteCount } from '../../src/db/demo-data.js';
import { createLogger } from '../../src/log.js';
import { getRoutes } from '../../src/rpc/methods.js';
import { FakeResolver } from '../harness/rpc.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The first ``` block after `heading` in README. */
function readmeBlock(heading: string): string {
  const at = README.indexOf(`${heading}\n`);
  expect(at, heading).to.be.greaterThan(-1);
  const open = README.indexOf('```\n', at) + 4;
  return README.slice(open, README.indexOf('```', open));
}

/** Text between roff's .nf and .fi, unescaped: what the reader sees. */
function verbatimBlocks(page: string): string[] {
  return [...page.matchAll(/^\.nf\n([\s\S]*?)\n\.fi$/gm)].map((m) =>
    m[1]!.split('\n').map((line) => line.replace(/^\\&/, '')).join('\n').replace(/\\-/g, '-').replace(/\\e/g, '\\'),
  );
}

// The commands whose options come from parseCommandLine (the listener form's
// are econfig's own, in docs/econfig.md), with the lines of the main usage
// that are theirs.
const COMMANDS = ['supervise', 'status', 'reload', 'query', 'groups', 'routes', 'demo', 'db', 'check', 'rates', 'export', 'apply'] as const;

function usageLinesOf(usage: string, command: string): string {
  const lines = usage.split('\n');
  const out: string[] = [];
  let mine = false;
  for (const line of lines) {
    if (line.startsWith('sippy_routed ')) mine = line.startsWith(`sippy_routed ${command} `);
    if (mine) out.push(line);
  }
  return out.join('\n');
}

describe('cli: usage text, README and the manual page agree and are complete', () => {
  it('README\'s usage is exactly what sippy_routed --help prints', async () => {
    expect(readmeBlock('## Usage')).to.equal(usageBlock(await helpText(['--help'])));
  });

  it('every option a command accepts is in its own --help and in the main usage', async () => {
    const usage = usageBlock(await helpText(['--help']));
    for (const command of COMMANDS) {
      const own = await helpText([command, '--help']);
      const options = declaredOptions(command);
      expect(options, command).to.not.equal(undefined);
      for (const { long, short } of options!) {
        if (long === '--help') continue;
        // status parses reload's options (one parser) and refuses --data itself.
        if (command === 'status' && long === '--data') continue;
        const word = (option: string) => new RegExp(`(^|[\\s\\[|,])${option.replace(/-/g, '\\-')}(?=[\\s\\]|,=]|$)`, 'm');
        expect(own, `${command} --help mentions ${long}`).to.match(word(long));
        const mine = usageLinesOf(usage, command);
        expect(word(long).test(mine) || (short !== undefined && word(short).test(mine)), `the main usage of ${command} mentions ${long}${short === undefined ? '' : ` or ${short}`}`).to.equal(true);
      }
    }
  });

  it('the manual page\'s synopsis is the main usage, and it holds every command\'s --help', async () => {
    const page = await manPage();
    const blocks = verbatimBlocks(page);
    expect(blocks[0]).to.equal(usageBlock(await helpText(['--help'])).trimEnd());
    for (const argv of [...COMMANDS.filter((c) => c !== 'reload').map((c) => [c, '--help']), ['-e', '1', '--help']]) {
      expect(blocks, argv.join(' ')).to.include((await helpText(argv)).trimEnd());
    }
    expect(page).to.match(/^\.TH SIPPY_ROUTED 8 /);
  });

  it('the manual page names GET /rtjson with its query, and the Kamailio config it installs', async () => {
    const page = await manPage();
    expect(page).to.include('.B GET /rtjson?routing_group=G&cld=N[&cli=N][&call_start_time=T][&max_routes=N]\n');
    expect(page).to.include('/kamailio/sippy_routed.cfg\n');
  });

  it('the demo route count is the demo data\'s, and the only one given', async () => {
    const count = demoRouteCount();
    expect(count).to.match(/^\d{1,3}(,\d{3})*$/);
    expect(await helpText(['db', '--help'])).to.include(`${count} routes`);
    const demoSection = README.slice(README.indexOf('### The demo data set'), README.indexOf('\n## ', README.indexOf('### The demo data set')));
    expect(demoSection).to.include(`${count} routes`);
    for (const text of [demoSection, await helpText(['db', '--help']), await helpText(['demo', '--help'])]) {
      for (const [mention] of text.matchAll(/[~\d][\d,]* routes/g)) expect(mention).to.equal(`${count} routes`);
    }
  });
});

describe('log: the debug line of a request', () => {
  it('leaves out call_id and remote_ip when the request has none (text and JSON)', async () => {
    for (const isTTY of [true, false]) {
      let text = '';
      const logger = createLogger({ level: 'debug', stream: { write: (t: string) => (text += t), isTTY } });
      await getRoutes({ routing_group: 'Group 1', cld: '44' }, { environment: 1, resolver: new FakeResolver(), deadline: Date.now() + 5000, now: Date.now, logger });
      expect(text, `isTTY ${isTTY}`).to.include('getRoutes');
      expect(text).not.to.include('undefined');
      expect(text).not.to.include('call_id');
    }
  });
});
