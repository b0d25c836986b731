import { expect } from 'chai';
import { DestinationError, parseDestination, type SipDestination } from '../../../src/routing/rules/destination.js';
import { rtjsonOf, rtjsonRoute } from '../../../src/routing/answer/rtjson.js';
import type { Route, RouteResult } from '../../../src/routing/contract.js';

function destination(text: string): SipDestination {
  const parsed = parseDestination(text);
  if (parsed instanceof DestinationError) throw parsed;
  return parsed;
}

function route(over: Partial<Route>): Route {
  return {
    i_connection: 31, connection_name: 'carrier-a', destination: '198.51.100.7:5060', i_vendor: 4, vendor_name: 'Carrier A',
    i_destination_set: 12, destination_set_name: 'A-UK', i_route: 88012, prefix: '44207', preference: 5, huntstop: false,
    timeout: 30, timeout_1xx: null, price_1: '0.012000', price_n: '0.012000', interval_1: 1, interval_n: 1,
    connect_fee: '0.000000', free_seconds: 0, grace_period: 0, post_call_surcharge: '0.000000', currency: 'USD',
    estimated_cost: '0.040000', capacity: -1, cli: '15551230000', cld: '4420712345678', ...over,
  };
}

describe('rtjson: the routing document of Kamailio\'s rtjson module', () => {
  it('one route: uri at the destination with the translated CLD, dst_uri, timers in ms', () => {
    expect(rtjsonRoute({ destination: destination('198.51.100.7:5060'), timeout: 30, timeout_1xx: 5, cli: '1555', cld: '004420712345678' }, '1555')).to.deep.equal({
      uri: 'sip:004420712345678@198.51.100.7:5060',
      dst_uri: 'sip:198.51.100.7:5060',
      fr_timer: 5000,
      fr_inv_timer: 30000,
    });
  });

  it('each timer is left out when its column is NULL', () => {
    const d = destination('gw');
    expect(rtjsonRoute({ destination: d, timeout: null, timeout_1xx: null, cli: '1', cld: '2' }, '1')).to.deep.equal({ uri: 'sip:2@gw', dst_uri: 'sip:gw' });
    expect(rtjsonRoute({ destination: d, timeout: null, timeout_1xx: 3, cli: '1', cld: '2' }, '1')).to.deep.equal({ uri: 'sip:2@gw', dst_uri: 'sip:gw', fr_timer: 3000 });
    expect(rtjsonRoute({ destination: d, timeout: 0, timeout_1xx: null, cli: '1', cld: '2' }, '1')).to.deep.equal({ uri: 'sip:2@gw', dst_uri: 'sip:gw', fr_inv_timer: 0 });
  });

  it('headers.from only when the CLI translation changed the CLI, at the destination host', () => {
    const d = destination('sip:gw.example.net:5080;transport=tcp');
    expect(rtjsonRoute({ destination: d, timeout: null, timeout_1xx: null, cli: '15551230000', cld: '44' }, '15551230000')).to.not.have.property('headers');
    expect(rtjsonRoute({ destination: d, timeout: null, timeout_1xx: null, cli: '+15551230000', cld: '44' }, '15551230000')).to.deep.equal({
      uri: 'sip:44@gw.example.net:5080;transport=tcp',
      dst_uri: 'sip:gw.example.net:5080;transport=tcp',
      headers: { from: { display: '', uri: 'sip:+15551230000@gw.example.net' } },
    });
  });

  it('a getRoutes answer made of routes (an external group\'s): the routes in order, excluded only when explained', () => {
    const result: RouteResult = {
      i_environment: 2, routing_group: { i_routing_group: 7, name: 'G', policy: 'lcr' }, cli: '1555', cld: '4420',
      routes: [route({ destination: 'b.example:5070', cld: '004420', cli: '1555', timeout: null }), route({ destination: '[2001:db8::1]:5060', cli: '+1555', timeout_1xx: 2 })],
    };
    expect(rtjsonOf(result)).to.deep.equal({
      version: '1.0',
      routing: 'serial',
      routes: [
        { uri: 'sip:004420@b.example:5070', dst_uri: 'sip:b.example:5070' },
        { uri: 'sip:4420712345678@[2001:db8::1]:5060', dst_uri: 'sip:[2001:db8::1]:5060', fr_timer: 2000, fr_inv_timer: 30000, headers: { from: { display: '', uri: 'sip:+1555@[2001:db8::1]' } } },
      ],
    });
    const excluded = [{ i_connection: 9, connection_name: 'x', reason: 'bad_destination' as const }];
    expect(rtjsonOf({ ...result, routes: [], excluded })).to.deep.equal({ version: '1.0', routing: 'serial', routes: [], excluded });
  });
});
