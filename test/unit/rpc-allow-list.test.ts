import { expect } from 'chai';
import { AllowList, clientAddress, RejectionLogLimiter } from '../../src/rpc/allow-list.js';

describe('rpc allow-list (pure)', () => {
  it('an empty list allows nobody', () => {
    const list = new AllowList([]);
    expect(list.isEmpty).to.equal(true);
    for (const client of ['127.0.0.1', '::1', '10.0.0.1']) expect(list.allows(client)).to.equal(false);
  });

  it('matches IPv4 clients against IPv4 prefixes', () => {
    const list = new AllowList(['192.0.2.0/24', '198.51.100.7/32']);
    expect(list.allows('192.0.2.0')).to.equal(true);
    expect(list.allows('192.0.2.255')).to.equal(true);
    expect(list.allows('192.0.3.0')).to.equal(false);
    expect(list.allows('198.51.100.7')).to.equal(true);
    expect(list.allows('198.51.100.8')).to.equal(false);
  });

  it('matches IPv4-mapped IPv6 clients as IPv4, and never against IPv6 rules', () => {
    expect(new AllowList(['192.0.2.0/24']).allows('::ffff:192.0.2.9')).to.equal(true);
    expect(new AllowList(['192.0.2.0/24']).allows('::ffff:192.0.3.9')).to.equal(false);
    expect(new AllowList(['::/0']).allows('::ffff:192.0.2.9')).to.equal(false);
    expect(clientAddress('::ffff:192.0.2.9')?.correctForm()).to.equal('192.0.2.9');
  });

  it('matches IPv6 clients against IPv6 prefixes only', () => {
    const list = new AllowList(['2001:db8::/32', '0.0.0.0/0']);
    expect(list.allows('2001:db8:1::5')).to.equal(true);
    expect(list.allows('2001:db9::1')).to.equal(false);
    expect(list.allows('fe80::1%eth0')).to.equal(false);
    expect(new AllowList(['fe80::/10']).allows('fe80::1%eth0')).to.equal(true);
  });

  it('refuses unknown or malformed client addresses', () => {
    const list = new AllowList(['0.0.0.0/0', '::/0']);
    for (const client of [undefined, '', 'localhost', '1.2.3.4/8', '999.1.1.1', 'x::y']) expect(list.allows(client), String(client)).to.equal(false);
  });

  it('rejects a rule that is not a prefix (a bug upstream)', () => {
    expect(() => new AllowList(['example.com'])).to.throw(TypeError, 'allow-list: "example.com" is not an IPv4 or IPv6 prefix');
  });

  it('rate-limits rejection logs per address, with bounded memory', () => {
    const limiter = new RejectionLogLimiter(60_000, 3);
    expect(limiter.shouldLog('a', 0)).to.equal(true);
    expect(limiter.shouldLog('a', 59_999)).to.equal(false);
    expect(limiter.shouldLog('a', 60_000)).to.equal(true);
    expect(limiter.shouldLog('b', 60_001)).to.equal(true);
    expect(limiter.shouldLog('c', 60_002)).to.equal(true);
    // Full of recent entries: a new address is not logged rather than stored.
    expect(limiter.shouldLog('d', 60_003)).to.equal(false);
    expect(limiter.shouldLog('b', 60_004)).to.equal(false);
    // Once old entries expire, they are pruned and new addresses are logged again.
    expect(limiter.shouldLog('d', 120_001)).to.equal(true);
  });
});
