import { expect } from 'chai';
import { parseDsn, redactSecrets, dsnFromOptions } from '../../src/db/dsn.js';
import { redactUri, UNPARSEABLE_URI } from '../../src/dsn-syntax.js';
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

describe('redactUri: one redaction for every URI shown (DSNs, upstream URIs)', () => {
  const shown: [string, string, string][] = [
    ['a password with @ (the parser takes the last @ before the host)', 'http://user:pa@ss2@host/', 'http://user:***@host/'],
    ['a password with :', 'http://user:pa:ss:3@host:8080/rpc', 'http://user:***@host:8080/rpc'],
    ['a user with @ and :, %-escaped', 'http://us%40er%3Ax:p%40ss%3Aw0rd%25@host/', 'http://us%40er%3Ax:***@host/'],
    ['a %-escaped password', 'https://user:s%65cret%2F4@up.example:8443/rpc?x=1', 'https://user:***@up.example:8443/rpc?x=1'],
    ['a leading blank', ' http://user:secret10@host/', 'http://user:***@host/'],
    ['blanks, tabs and a newline around it', '\t http://user:secret11@host/ \n', 'http://user:***@host/'],
    ['a no-break space before it', '\u00a0http://user:secret12@host/', 'http://user:***@host/'],
    ['a user without a password', 'http://token@[::1]:8080/', 'http://token@[::1]:8080/'],
    ['an empty user', 'http://:secret13@host/', 'http://:***@host/'],
    ['no userinfo at all', 'http://up.example/a@b', 'http://up.example/a@b'],
    ['a unix: socket', 'unix:/run/sippy_routed.1.sock', 'unix:/run/sippy_routed.1.sock'],
    ['a unix: socket named with @ and :', 'unix:/run/u:x@y.sock', 'unix:/run/u:x@y.sock'],
    ['a relative unix: path (no authority, no password)', 'unix:relative.sock', 'unix:relative.sock'],
    ['a unix: URI with an authority', 'unix://user:secret14@host/run/s.sock', 'unix://user:***@host/run/s.sock'],
    ['a DSN', 'mysql://routed:p@ss w:rd@db1:3307/routing', 'mysql://routed:***@db1:3307/routing'],
    ['a socket DSN', 'mysql://root:pw@localhost/x?socket=/run/s.sock', 'mysql://root:***@localhost/x?socket=/run/s.sock'],
  ];
  for (const [what, uri, expected] of shown) {
    it(`${what}: ${JSON.stringify(uri)} shows as ${expected}`, () => {
      expect(redactUri(uri)).to.equal(expected);
    });
  }

  const unparseable: [string, string][] = [
    ['no scheme', 'user:secret20@host:8080/'],
    ['no scheme, an authority', '//user:secret21@host/'],
    ['no scheme, a host only', 'user:secret22@10.0.0.1'],
    ['a scheme without //', 'mysql:routed:secret23@db/x'],
    ['a blank inside the scheme', 'ht tp://user:secret24@host/'],
    ['a bad port', 'http://user:secret25@host:99999/'],
    ['an empty string', ''],
    ['blanks only', '   '],
  ];
  for (const [what, uri] of unparseable) {
    it(`${what}: ${JSON.stringify(uri)} shows as ${UNPARSEABLE_URI}`, () => {
      expect(redactUri(uri)).to.equal(UNPARSEABLE_URI);
    });
  }

  it("is the DSN's printable form", () => {
    for (const dsn of ['mysql://routed:hunter2@db:3306/sippy', 'mysql://u:p@w@localhost/db?socket=/run/s.sock', 'mysql://routed@db/sippy']) {
      expect(parseDsn(dsn).redacted).to.equal(redactUri(dsn));
    }
  });
});
