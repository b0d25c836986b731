import { expect } from 'chai';
import { externalLimitsOf } from '../../src/supervisor/managed-listener.js';
import { createHash } from 'node:crypto';
import {
  DEFAULT_LIMITS, endpointsClash, formatEconfigError, isListenerOption, loadEconfig, parseListenerOptions, type Endpoint,
} from '../../src/econfig/index.js';

describe('listener options (command line form)', () => {
  const context = { rundir: '/run/sr' };

  it('builds a frozen, normalised spec', () => {
    const { spec, problems } = parseListenerOptions(
      ['-e', '7', '-s', 'https://[2001:0db8::0001]:8443/rpc', '-a', '2001:db8::/32,192.0.2.1', '-a192.0.2.0/24',
        '--tls-cert', 'c.pem', '--tls-key=k.pem', '-d', 'mysql://u:pw@127.0.0.1/db', '--max-batch', '5'],
      context,
    );
    expect(problems).to.deep.equal([]);
    expect(spec).to.deep.equal({
      environment: 7,
      endpoint: { kind: 'https', host: '2001:db8::1', port: 8443 },
      socket: 'https://[2001:db8::1]:8443/rpc',
      httpPath: '/rpc',
      socketMode: 0o660,
      tls: { cert: 'c.pem', key: 'k.pem' },
      allow: ['2001:db8::/32', '192.0.2.1/32', '192.0.2.0/24'],
      dsn: 'mysql://u:pw@127.0.0.1/db',
      limits: { ...DEFAULT_LIMITS, maxBatch: 5 },
    });
    expect(Object.isFrozen(spec)).to.equal(true);
    expect(Object.isFrozen(spec!.limits)).to.equal(true);
    expect(Object.isFrozen(spec!.allow)).to.equal(true);
  });

  it('defaults to the unix socket in the rundir, with mode 0660', () => {
    const { spec } = parseListenerOptions(['-e', '2'], context);
    expect(spec?.endpoint).to.deep.equal({ kind: 'unix', path: '/run/sr/sippy_routed.2.sock' });
    expect(spec?.socket).to.equal('unix:/run/sr/sippy_routed.2.sock');
    expect(spec?.socketMode).to.equal(0o660);
    expect(parseListenerOptions(['-e', '2', '--socket-mode', '600'], context).spec?.socketMode).to.equal(0o600);
  });

  it('reports every problem with the index of the argument concerned', () => {
    const { spec, problems } = parseListenerOptions(['-s', 'unix:rel.sock', '-x', '-a', '10.0.0.1/8', '--max-hops'], context);
    expect(spec).to.equal(undefined);
    expect(problems).to.deep.equal([
      { argIndex: -1, message: '-e N is required' },
      { argIndex: 1, message: "-s: unix socket path must be absolute, got 'rel.sock'" },
      { argIndex: 2, message: 'unknown option -x' },
      { argIndex: 4, message: "-a: '10.0.0.1/8' has host bits set; the prefix is 10.0.0.0/8" },
      { argIndex: 5, message: '--max-hops: missing value' },
    ]);
  });

  it('checks -e against the environment being evaluated', () => {
    expect(parseListenerOptions(['-e', '3'], { ...context, environment: 4 }).problems[0]?.message).to.match(/-e 3 does not match the environment being evaluated \(4\)/);
    expect(parseListenerOptions(['-e', '4'], { ...context, environment: 4 }).problems).to.deep.equal([]);
  });

  const rejected: [string[], RegExp][] = [
    [['-s', 'http://127.0.0.1:8080', '-a', '10.0.0.0/33'], /prefix length 33 is more than 32/],
    [['-s', 'http://127.0.0.1:8080', '-a', '010.1.1.1'], /leading zeros/],
    [['-s', 'http://010.1.1.1:8080'], /HOST must be an IPv4 literal/],
    [['-s', 'http://localhost:0'], /port must be 1..65535/],
    [['-s', 'http://127.0.0.1:80?x=1'], /port must be/],
    [['-s', 'http://127.0.0.1:80/a?x=1'], /bad HTTP path/],
    [['-s', 'https://127.0.0.1:8443', '--tls-cert', 'c'], /https: needs --tls-key FILE/],
    [['-s', 'http://127.0.0.1:8080', '--tls-key', 'k'], /--tls-key: applies to https: sockets only/],
    [['-s', 'unix:/tmp/x.sock', '-a', '127.0.0.1'], /-a: applies to http: and https:/],
    // Clients are matched as IPv4 whatever the socket: a mapped rule never matches.
    [['-s', 'http://[::1]:8080', '-a', '::ffff:127.0.0.1'], /-a: '::ffff:127\.0\.0\.1' is an IPv4-mapped IPv6 address and never matches: .*; write 127\.0\.0\.1$/],
    [['-s', 'http://[::1]:8080', '-a', '::ffff:0:0/96'], /-a: '::ffff:0:0\/96' is an IPv4-mapped IPv6 prefix and never matches: .*; write 0\.0\.0\.0\/0$/],
    [['-s', 'http://[::1]:8080', '-a', '::1,::ffff:a00:0/104'], /write 10\.0\.0\.0\/8$/],
    [['-s', 'unix:/tmp/'], /names a directory/],
    [['-s', `unix:/${'x'.repeat(103)}`], /longer than 103 bytes/],
    [['--socket-mode', '1777'], /octal mode/],
    [['--body-limit', '1e6'], /--body-limit: expected an integer/],
    [['--max-hops', '17'], /--max-hops: expected an integer 1\.\.16, got '17'/],
    [['--upstream-new-connections', '100001'], /--upstream-new-connections: expected an integer 0\.\.100000, got '100001'/],
    [['-s', 'unix:/a', '-s', 'unix:/b'], /-s given twice/],
    [['extra'], /unexpected argument 'extra'/],
  ];
  for (const [args, message] of rejected) {
    it(`rejects ${args.join(' ')}`, () => {
      const { spec, problems } = parseListenerOptions(['-e', '1', ...args], context);
      expect(spec).to.equal(undefined);
      expect(problems.map((p) => p.message).join('\n')).to.match(message);
    });
  }

  it('--upstream-new-connections reaches the external-group limits, 0 included (only existing connections)', () => {
    const { spec } = parseListenerOptions(['-e', '1', '--upstream-new-connections', '0'], context);
    expect(spec?.limits.upstreamNewConnections).to.equal(0);
    expect(externalLimitsOf(spec!)).to.deep.include({ newConnectionsPerMinute: 0 });
    expect(externalLimitsOf(parseListenerOptions(['-e', '1'], context).spec!)).to.deep.include({ newConnectionsPerMinute: 100 });
  });

  it('accepts a command line\'s extra options with the same syntax and duplicate check, and returns them unchecked', () => {
    const extraOptions = ['--log-level', '--rundir'];
    const ok = parseListenerOptions(['--log-level', 'debug', '-e', '3', '--rundir=/x'], { ...context, extraOptions });
    expect(ok.problems).to.deep.equal([]);
    expect(ok.extra).to.deep.equal({ '--log-level': 'debug', '--rundir': '/x' });
    expect(ok.spec?.environment).to.equal(3);
    const twice = parseListenerOptions(['-e', '3', '--log-level', 'a', '--log-level=b', '--rundir'], { ...context, extraOptions });
    expect(twice.spec).to.equal(undefined);
    expect(twice.extra).to.deep.equal({ '--log-level': 'a' });
    expect(twice.problems).to.deep.equal([
      { argIndex: 4, message: '--log-level given twice' },
      { argIndex: 5, message: '--rundir: missing value' },
    ]);
    // Without extraOptions (econfig) they stay unknown, and the result has no `extra`.
    const plain = parseListenerOptions(['-e', '3', '--log-level', 'debug'], context);
    expect(plain.problems[0]).to.deep.equal({ argIndex: 2, message: 'unknown option --log-level' });
    expect(plain).not.to.have.property('extra');
  });

  it('refuses --metrics in an environment\'s options, saying it is a supervise option', () => {
    const result = parseListenerOptions(['-e', '3', '--metrics', 'http://127.0.0.1:9477/metrics'], context);
    expect(result.spec).to.equal(undefined);
    expect(result.problems[0]).to.deep.equal({ argIndex: 2, message: "unknown option --metrics: it is a supervise option (one metrics endpoint serves every environment), not an environment's" });
  });

  it('recognises a listener option argument', () => {
    for (const arg of ['-e', '-e7', '-s', '-a10.0.0.0/8', '-d', '--max-batch', '--max-batch=5', '--tls-cert']) {
      expect(isListenerOption(arg), arg).to.equal(true);
    }
    for (const arg of ['-x', '-h', '--help', '--version', '--log-level', '--max', 'e', '', 'check']) {
      expect(isListenerOption(arg), arg).to.equal(false);
    }
  });

  it('--db-write: the database writes go to, checked like -d; absent unless given', () => {
    const { spec, problems } = parseListenerOptions(['-e', '1', '-d', 'mysql://u:pw@replica/db', '--db-write=mysql://u:pw@primary/db'], context);
    expect(problems).to.deep.equal([]);
    expect(spec).to.include({ dsn: 'mysql://u:pw@replica/db', dbWrite: 'mysql://u:pw@primary/db' });
    expect(parseListenerOptions(['-e', '1', '--db-write', 'mysql://u@primary/db'], context).spec?.dbWrite).to.equal('mysql://u@primary/db');
    expect(parseListenerOptions(['-e', '1', '-d', 'mysql://u@replica/db'], context).spec).to.not.have.property('dbWrite');
    const bad = parseListenerOptions(['-e', '1', '--db-write', 'postgres://u:hunter2@h/db', '--db-write', 'mysql://u@h/db'], context).problems.map((p) => p.message);
    expect(bad).to.have.length(2);
    expect(bad[0]).to.match(/^--db-write: invalid database DSN/).and.not.include('hunter2');
    expect(bad[1]).to.equal('--db-write given twice');
    expect(isListenerOption('--db-write')).to.equal(true);
  });

  it('never repeats a DSN password in a problem', () => {
    const { problems } = parseListenerOptions(['-e', '1', '-d', 'mysql://u:hunter2@h/db?x=1'], context);
    expect(problems).to.have.length(1);
    expect(problems[0]!.message).to.match(/^-d: invalid database DSN/).and.not.include('hunter2');
  });
});

describe('endpoint clashes', () => {
  const tcp = (host: string, port = 80): Endpoint => ({ kind: 'http', host, port });
  const table: [Endpoint, Endpoint, boolean][] = [
    [tcp('127.0.0.1'), tcp('127.0.0.1'), true],
    [tcp('127.0.0.1'), tcp('127.0.0.1', 81), false],
    [tcp('0.0.0.0'), tcp('127.0.0.1'), true],
    [tcp('0.0.0.0'), tcp('::1'), false],
    [tcp('::'), tcp('0.0.0.0'), true],
    [tcp('::'), tcp('192.0.2.1'), true],
    [tcp('::'), tcp('::1'), true],
    [tcp('localhost'), tcp('::1'), true],
    [tcp('localhost'), tcp('127.0.0.1'), true],
    [tcp('localhost'), tcp('127.0.0.2'), false],
    [tcp('127.0.0.1'), { kind: 'https', host: '127.0.0.1', port: 80 }, true],
    [{ kind: 'unix', path: '/a' }, { kind: 'unix', path: '/a' }, true],
    [{ kind: 'unix', path: '/a' }, { kind: 'unix', path: '/b' }, false],
    [{ kind: 'unix', path: '/a' }, tcp('0.0.0.0'), false],
  ];
  for (const [a, b, clash] of table) {
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${clash ? 'clash' : 'no clash'}`, () => {
      expect(endpointsClash(a, b)).to.equal(clash);
      expect(endpointsClash(b, a)).to.equal(clash);
    });
  }
});

describe('loadEconfig', () => {
  const options = { file: 'econfig', environments: [1, 2, 1], rundir: '/var/run' };

  it('hashes the text, deduplicates environments and freezes the result', () => {
    const text = 'command_args="/opt/sippy_routed.js -e %%I_ENVIRONMENT%%"\n';
    const result = loadEconfig(text, options);
    expect(result.ok).to.equal(true);
    expect(result.hash).to.equal(createHash('sha256').update(text).digest('hex'));
    expect(result.environments.map((e) => e.i_environment)).to.deep.equal([1, 2]);
    expect(Object.isFrozen(result.environments[0]!.argv)).to.equal(true);
  });

  it('formats errors file first: econfig:7:12: environment 3: message', () => {
    expect(formatEconfigError({ file: 'econfig', line: 7, column: 12, i_environment: 3, message: 'unknown option -x' }))
      .to.equal('econfig:7:12: environment 3: unknown option -x');
    expect(formatEconfigError({ file: 'econfig', line: 1, column: 1, message: "'export' is not supported" }))
      .to.equal("econfig:1:1: 'export' is not supported");
  });

  it('reports every error of a file, across environments, in one result', () => {
    const text = [
      'command_args="/opt/sippy_routed.js -e %%I_ENVIRONMENT%%"',
      'case %%I_ENVIRONMENT%% in',
      '1) command_args="$command_args -x --max-batch 0" ;;',
      '2) enable=perhaps ;;',
      'esac',
    ].join('\n');
    const result = loadEconfig(text, options);
    expect(result.errors.map(formatEconfigError)).to.deep.equal([
      'econfig:3:32: environment 1: unknown option -x',
      "econfig:3:47: environment 1: --max-batch: expected an integer 1..10000, got '0'",
      "econfig:4:4: environment 2: enable: expected YES or NO, got 'perhaps'",
    ]);
  });

  it('refuses a file larger than 1 MiB without parsing it', () => {
    const result = loadEconfig(`#${'x'.repeat(1024 * 1024)}\n`, options);
    expect(result.ok).to.equal(false);
    expect(result.errors[0]!.message).to.match(/larger than/);
    expect(result.environments.every((e) => !e.evaluated)).to.equal(true);
  });

  it('survives pathological nesting with errors, not a stack overflow', () => {
    const texts = [
      `if ${'! '.repeat(100_000)}[ 1 = 1 ]; then :; fi\n`,
      `x=${'${a:-'.repeat(100_000)}\n`,
      `${'if [ 1 = 1 ]; then '.repeat(10_000)}\n`,
      `x=${'$((('.repeat(10_000)}\n`,
    ];
    for (const text of texts) {
      const result = loadEconfig(text, options);
      expect(result.ok).to.equal(false);
      expect(result.errors.length).to.be.greaterThan(0);
    }
  });

  it('never executes or reads anything: a command substitution is an error, not a call', () => {
    const result = loadEconfig('command_args="$(touch /tmp/sippy-routed-must-not-exist)"\n', options);
    expect(result.errors.map(formatEconfigError)).to.deep.equal(['econfig:1:15: command substitution $(...) is not supported']);
  });
});
