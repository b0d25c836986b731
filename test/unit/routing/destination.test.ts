import { expect } from 'chai';
import { destinationProblem } from '../../../src/routing/destination.js';

// A connection's destination as a SIP proxy takes it (sip-proxies.md).
describe('routing: connection destinations', () => {
  const good = [
    '198.51.100.7', '198.51.100.7:5060', 'gw.example.net', 'gw.example.net.', 'gw-1.example.net:5080', 'localhost',
    '[2001:db8::1]', '[2001:db8::1]:5060', 'sip:gw.example.net:5080;transport=tcp', 'sips:[2001:db8::7]:5061', 'sip:gw.example.net', 'SIP:192.0.2.1;lr',
  ];
  for (const destination of good) it(`takes ${destination}`, () => expect(destinationProblem(destination)).to.equal(undefined));

  const bad: [string, string][] = [
    ['', 'is not a host name'],
    ['198.51.100.7:0', 'port must be 1..65535, got "0"'],
    ['198.51.100.7:65536', 'port must be 1..65535'],
    ['gw.example.net:sip', 'port must be 1..65535, got "sip"'],
    ['2001:db8::1', 'an IPv6 literal is written in brackets: [2001:db8::1]'],
    ['[2001:db8::zz]:5060', 'is not a valid bracketed IPv6 literal'],
    ['010.1.1.1', '"010.1.1.1" is not a valid IPv4 address'],
    ['256.1.1.1:5060', 'is not a valid IPv4 address'],
    ['gw_1.example.net', 'is not a host name'],
    ['-gw.example.net', 'is not a host name'],
    ['gw.example.net\t', 'is not a host name'],
    ['gw example.net', 'is not a host name'],
    ['sip:gw.example.net;transport=tcp x', 'bad URI parameters'],
    ['http://gw.example.net/', 'is a URL: write host:port or a sip: URI'],
    ['gw.example.net:5060:5061', 'is not host, host:port or [v6]:port'],
  ];
  for (const [destination, problem] of bad) {
    it(`refuses ${JSON.stringify(destination)}: ${problem}`, () => expect(destinationProblem(destination)).to.contain(problem));
  }
});
