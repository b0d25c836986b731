import { expect } from 'chai';
import { createLogger, isLogLevel } from '../../src/log.js';

describe('structured logger', () => {
  const now = () => new Date('2026-05-01T10:00:00.000Z');

  function capture(isTTY: boolean) {
    const lines: string[] = [];
    return { lines, stream: { isTTY, write: (text: string) => lines.push(text) } };
  }

  it('writes one JSON line per event when the stream is not a terminal', () => {
    const { lines, stream } = capture(false);
    const logger = createLogger({ stream, now, fields: { environment: 2 } });
    logger.info('listening', { socket: 'unix:/run/a.sock', msg: 'cannot override', n: 3 });
    expect(lines).to.deep.equal(['{"time":"2026-05-01T10:00:00.000Z","level":"info","msg":"listening","environment":2,"socket":"unix:/run/a.sock","n":3}\n']);
  });

  it('writes readable text on a terminal', () => {
    const { lines, stream } = capture(true);
    createLogger({ stream, now }).warn('client not allowed', { address: '192.0.2.1', note: 'two words' });
    expect(lines).to.deep.equal(['2026-05-01T10:00:00.000Z WARN  client not allowed address=192.0.2.1 note="two words"\n']);
  });

  it('filters by level; debug only when asked', () => {
    const { lines, stream } = capture(false);
    const logger = createLogger({ stream, now, level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((line) => (JSON.parse(line) as { level: string }).level)).to.deep.equal(['warn', 'error']);
    expect(logger.enabled('info')).to.equal(false);
    expect(createLogger({ stream, level: 'debug' }).enabled('debug')).to.equal(true);
  });

  it('never writes a DSN password, in the message, a field or an error', () => {
    for (const isTTY of [false, true]) {
      const { lines, stream } = capture(isTTY);
      const logger = createLogger({ stream, now });
      logger.error('connect to mysql://u:hunter2@db/x failed', { dsn: 'mysql://u:hunter2@db/x', error: new Error('mysql://u:hunter2@db/x refused') });
      expect(lines.join('')).not.to.include('hunter2');
      expect(lines.join('')).to.include('mysql://u:***@db/x');
    }
  });

  it('knows its levels', () => {
    expect(['error', 'warn', 'info', 'debug'].every(isLogLevel)).to.equal(true);
    expect(isLogLevel('trace')).to.equal(false);
  });
});
