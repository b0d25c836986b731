import { expect } from 'chai';
import { parseDsn, redactSecrets, dsnFromOptions } from '../../src/db/dsn.js';
import { SippyError } from '../../src/errors.js';

function failure(text: string): SippyError {
  try {
    parseDsn(text);
  } catch (err) {
    expect(err).to.be.instanceOf(SippyError);
    return err as SippyError;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('DSN', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['mysql://routed:pw@db.example.net:3307/sippy', { user: 'routed', password: 'pw', host: 'db.example.net', port: 3307, socketPath: undefined, database: 'sippy' }],
    ['mysql://routed@127.0.0.1/sippy', { user: 'routed', password: undefined, host: '127.0.0.1', port: undefined, database: 'sippy' }],
    ['mysql://routed@[::1]:3306/sippy', { host: '::1', port: 3306 }],
    ['mysql://routed@localhost/sippy?socket=/var/run/mysqld/mysqld.sock', { host: undefined, socketPath: '/var/run/mysqld/mysqld.sock', database: 'sippy' }],
    ['mysql://us%40er:p%3Aw%40d@localhost/db', { user: 'us@er', password: 'p:w@d' }],
  ];
  for (const [text, expected] of accepted) {
    it(`parses ${text}`, () => {
      expect(parseDsn(text)).to.include(expected);
    });
  }

  const rejected: [string, RegExp][] = [
    ['not a url', /not a URL/],
    ['postgres://u@h/db', /scheme must be mysql:/],
    ['mysql://h/db', /no user name/],
    ['mysql://u@h/', /one database name/],
    ['mysql://u@h/a/b', /one database name/],
    ['mysql://u@h/db?sslmode=1', /unknown parameter "sslmode"/],
    ['mysql://u@h/db?socket=relative.sock', /absolute path/],
    ['mysql://u@db.example.net/db?socket=/tmp/s', /requires the host localhost/],
    ['mysql://u@localhost:3306/db?socket=/tmp/s', /exclude each other/],
    ['mysql://u@h/db%zz', /malformed %-escape in the database name/],
    ['mysql://u:pw%@h/db', /malformed %-escape in the password/],
  ];
  for (const [text, why] of rejected) {
    it(`rejects ${text} naming the problem`, () => {
      const err = failure(text);
      expect(err.code).to.equal('DB_DSN_INVALID');
      expect(err.exitCode).to.equal(2);
      expect(err.message).to.match(why);
    });
  }

  it('never echoes a password in a rejection', () => {
    const err = failure('mysql://u:hunter2@h/db?bad=1');
    expect(err.message).not.to.include('hunter2');
  });

  it('redacts the password in the printable form', () => {
    const dsn = parseDsn('mysql://routed:hunter2@db:3306/sippy');
    expect(dsn.redacted).to.equal('mysql://routed:***@db:3306/sippy');
    expect(parseDsn('mysql://routed@db/sippy').redacted).to.equal('mysql://routed@db/sippy');
  });

  it('redacts DSN passwords inside free text', () => {
    expect(redactSecrets('failed mysql://a:b@c/d and mysql://e:f%40g@h/i')).to.equal('failed mysql://a:***@c/d and mysql://e:***@h/i');
    // The shape in help texts is no DSN: nothing to redact.
    expect(redactSecrets('expected mysql://USER[:PASS]@HOST/DB')).to.equal('expected mysql://USER[:PASS]@HOST/DB');
  });

  it('redacts, in free text, every password parseDsn accepts: with @, blanks, any scheme case, any user', () => {
    const cases: [string, string][] = [
      ['mysql://u:p@ss@host/db', 'mysql://u:***@host/db'],
      ['mysql://u:pa ss@h/db', 'mysql://u:***@h/db'],
      ['MYSQL://u:pw@h/db', 'MYSQL://u:***@h/db'],
      ['mysql://[u]:pw@h/db', 'mysql://[u]:***@h/db'],
      ['mysql://my user:pw@h:3306/db', 'mysql://my user:***@h:3306/db'],
      ['mysql://u:p@w@localhost/db?socket=/run/s.sock', 'mysql://u:***@localhost/db?socket=/run/s.sock'],
    ];
    for (const [dsn, redacted] of cases) {
      expect(parseDsn(dsn).password, dsn).to.be.a('string');
      for (const [before, after] of [['', ''], ['argv: ', ' -e 1'], ['{"dsn":"', '","n":1}'], ["-d '", "'"]]) {
        expect(redactSecrets(`${before}${dsn}${after}`), dsn).to.equal(`${before}${redacted}${after}`);
      }
    }
    // A value parseDsn refuses (an unescaped / in the password) is still redacted where it is printed.
    expect(redactSecrets('-d mysql://u:p/ss@h/db')).to.equal('-d mysql://u:***@h/db');
    // Without a password, or without a DSN, nothing changes.
    for (const text of ['mysql://u@h:3306/db', 'mysql://root@localhost/x?socket=/tmp/s user \'root\'@\'localhost\'', 'mysql://[::1]:3306/db']) {
      expect(redactSecrets(text)).to.equal(text);
    }
  });

  it('takes -d over SIPPY_ROUTED_DB, and needs one of them', () => {
    expect(dsnFromOptions('mysql://a@h/one', { SIPPY_ROUTED_DB: 'mysql://a@h/two' }).database).to.equal('one');
    expect(dsnFromOptions(undefined, { SIPPY_ROUTED_DB: 'mysql://a@h/two' }).database).to.equal('two');
    expect(() => dsnFromOptions(undefined, {})).to.throw(SippyError, /SIPPY_ROUTED_DB/);
  });
});
