import { expect } from 'chai';
import { SippyError } from '../../src/errors.js';
import { toDatabaseError } from '../../src/db/pool.js';
import { parseDsn } from '../../src/db/dsn.js';
import { createLogger } from '../../src/log.js';
import { DATABASE_MESSAGE, toRpcError } from '../../src/rpc/rpc-errors.js';

describe('rpc errors: what a client may read', () => {
  const dsn = parseDsn('mysql://routed_user:s3cret@db-7.internal:3307/routing_prod');

  function capture() {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', stream: { isTTY: false, write: (text: string) => lines.push(text) } });
    return { lines, logger };
  }

  it('answers every database failure with one generic -32010, without server, user, database or driver code; the log keeps them', () => {
    const failures = [
      Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:3307'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error("Access denied for user 'routed_user'@'10.0.0.1'"), { code: 'ER_ACCESS_DENIED_ERROR' }),
      Object.assign(new Error("Unknown database 'routing_prod'"), { code: 'ER_BAD_DB_ERROR' }),
      Object.assign(new Error("Table 'routing_prod.routes' doesn't exist"), { code: 'ER_NO_SUCH_TABLE' }),
    ];
    for (const failure of failures) {
      const { lines, logger } = capture();
      const err = toDatabaseError(failure, dsn);
      expect(err.rpcCode, err.code).to.equal(-32010);
      expect(toRpcError(err, logger, { environment: 1 }), err.code).to.deep.equal({ code: -32010, message: DATABASE_MESSAGE });
      expect(lines.join(''), err.code).to.include(JSON.stringify(failure.message).slice(1, -1)).and.not.include('s3cret');
    }
  });

  it('keeps the message and data of the other catalogued errors', () => {
    const { logger } = capture();
    const err = new SippyError('ROUTING_GROUP_NOT_FOUND', 'no routing group named "X" in environment 2', { data: { routing_group: 'X' } });
    expect(toRpcError(err, logger, {})).to.deep.equal({ code: -32001, message: 'no routing group named "X" in environment 2', data: { routing_group: 'X' } });
  });
});
