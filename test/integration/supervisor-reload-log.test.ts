import { expect } from 'chai';
import { createLogger } from '../../src/log.js';
import { PLAIN_ECONFIG, supervisorRig, type SupervisorRig } from '../harness/supervisor.js';

// The summary line of a reload: `reload ok` at info, `reload error` at warn,
// so an operator logging at warn still sees that a file did not apply.
// An invalid econfig fails before any listener starts: no database is reached.

const INVALID_ECONFIG = `${PLAIN_ECONFIG}case %%I_ENVIRONMENT%% in\n1) command_args="\${command_args} --no-such-option" ;;\nesac\n`;

describe('supervisor: the reload summary line', function () {
  let rig: SupervisorRig | undefined;
  const lines: Array<{ level: string; msg: string }> = [];

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
    lines.length = 0;
  });

  function rigOn(econfig: string, level: 'warn' | 'info'): SupervisorRig {
    const logger = createLogger({
      level, format: 'json',
      stream: { write: (text: string) => lines.push(JSON.parse(text) as { level: string; msg: string }) },
    });
    rig = supervisorRig({ dsn: 'mysql://nobody@127.0.0.1:1/none', environments: [1], econfig, logger });
    return rig;
  }

  it('`reload error` is logged at warn, and is still written when the level is warn', async () => {
    const result = await rigOn(INVALID_ECONFIG, 'warn').supervisor.reload('start');
    expect(result.result).to.equal('error');
    const summary = lines.filter((l) => l.msg === 'reload error');
    expect(summary, JSON.stringify(lines)).to.have.length(1);
    expect(summary[0]?.level).to.equal('warn');
  });

  it('`reload ok` stays at info: the level warn does not write it', async () => {
    const result = await rigOn('enable="NO"\n', 'warn').supervisor.reload('start');
    expect(result.result, result.messages.join('\n')).to.equal('ok');
    expect(lines.filter((l) => l.msg === 'reload ok')).to.deep.equal([]);
  });
});
