import { expect } from 'chai';
import { DestinationError, fromUri, parseDestination, requestUri, sipUser, type SipDestination } from '../../../src/routing/rules/destination.js';

function parsed(text: string): SipDestination {
  const destination = parseDestination(text);
  if (destination instanceof DestinationError) throw destination;
  return destination;
}

describe('destinations: the forms a SIP proxy can route to', () => {
  const good: [string, string, string][] = [
    // destination, dst_uri, uri for CLD 4420
    ['198.51.100.7', 'sip:198.51.100.7', 'sip:4420@198.51.100.7'],
    ['198.51.100.7:5060', 'sip:198.51.100.7:5060', 'sip:4420@198.51.100.7:5060'],
    ['gw.example.net', 'sip:gw.example.net', 'sip:4420@gw.example.net'],
    ['gw-1.example.net.:65535', 'sip:gw-1.example.net.:65535', 'sip:4420@gw-1.example.net.:65535'],
    ['x', 'sip:x', 'sip:4420@x'],
    ['[2001:db8::7]:5080', 'sip:[2001:db8::7]:5080', 'sip:4420@[2001:db8::7]:5080'],
    ['[::1]', 'sip:[::1]', 'sip:4420@[::1]'],
    ['sip:gw.example.net:5080;transport=tcp', 'sip:gw.example.net:5080;transport=tcp', 'sip:4420@gw.example.net:5080;transport=tcp'],
    ['sips:gw.example.net', 'sips:gw.example.net', 'sips:4420@gw.example.net'],
    ['SIP:[2001:db8::1]:5061;transport=tls;lr', 'sip:[2001:db8::1]:5061;transport=tls;lr', 'sip:4420@[2001:db8::1]:5061;transport=tls;lr'],
    ['sip:198.51.100.9;x-tag=%41b', 'sip:198.51.100.9;x-tag=%41b', 'sip:4420@198.51.100.9;x-tag=%41b'],
  ];
  for (const [text, dstUri, uri] of good) {
    it(`${text} → dst_uri ${dstUri}, uri ${uri}`, () => {
      const destination = parsed(text);
      expect(destination.dstUri).to.equal(dstUri);
      expect(requestUri(destination, '4420')).to.equal(uri);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /is empty/],
    ['gw.example.net ', /not a host name/],
    [' gw', /not a host name/],
    ['gw bad:5060', /not a host name/],
    ['gw_1.example.net', /not a host name/],
    ['-gw.example.net', /not a host name/],
    ['999.1.1.1', /not a host name or an IPv4/],
    ['1.2.3', /not a host name or an IPv4/],
    ['gw:0', /port "0"/],
    ['gw:65536', /port "65536"/],
    ['gw:50a', /port "50a"/],
    ['gw:', /port ""/],
    ['2001:db8::1', /IPv6 address without brackets/],
    ['[2001:db8::1', /does not close/],
    ['[2001:db8::zz]:5060', /not an IPv6 address/],
    ['[2001:db8::1]5060', /after its IPv6 address/],
    ['[198.51.100.7]:5060', /not an IPv6 address/],
    ['sip:', /is empty/],
    ['sip:user@gw.example.net', /user part/],
    ['sip:gw.example.net?subject=x', /headers/],
    ['sip:gw.example.net;', /parameter/],
    ['sip:gw.example.net;=x', /parameter/],
    ['sip:gw.example.net;a=b c', /parameter/],
    ['sip:gw.example.net;a=%zz', /parameter/],
    ['tel:+15551230000', /port "\+15551230000"/],
    ['http://gw.example.net', /not a host name|port/],
  ];
  for (const [text, why] of bad) {
    it(`refuses ${JSON.stringify(text)}, naming it and the forms`, () => {
      const destination = parseDestination(text);
      expect(destination).to.be.instanceOf(DestinationError);
      const message = (destination as DestinationError).message;
      expect(message).to.match(why);
      expect(message).to.contain(`destination ${JSON.stringify(text)}`);
      expect(message).to.contain('a host, host:port, [IPv6]:port, or a sip:/sips: URI with parameters');
    });
  }

  it('a number is a SIP user part: safe characters as they are, the rest percent-encoded UTF-8', () => {
    expect(sipUser('+4420712345678')).to.equal('+4420712345678');
    expect(sipUser("a-z_A.Z!~*'()&=+$,/09")).to.equal("a-z_A.Z!~*'()&=+$,/09");
    expect(sipUser('123#456')).to.equal('123%23456');
    expect(sipUser('1;x?y@z %')).to.equal('1%3Bx%3Fy%40z%20%25');
    expect(sipUser('é')).to.equal('%C3%A9');
  });

  it('an empty number leaves the URI without a user part; From takes the host without port or parameters', () => {
    const destination = parsed('sips:gw.example.net:5061;transport=tls');
    expect(requestUri(destination, '')).to.equal('sips:gw.example.net:5061;transport=tls');
    expect(fromUri(destination, '+1555')).to.equal('sips:+1555@gw.example.net');
    expect(fromUri(destination, '')).to.equal('sips:gw.example.net');
    expect(fromUri(parsed('[2001:db8::7]:5080'), '1555')).to.equal('sip:1555@[2001:db8::7]');
  });
});
