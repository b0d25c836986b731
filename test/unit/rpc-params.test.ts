import { expect } from 'chai';
import { isSippyError, SippyError } from '../../src/errors.js';
import { routeRequest } from '../../src/rpc/methods.js';
import { isIsoWithOffset, validateParams } from '../../src/rpc/param-schemas.js';

describe('rpc params (pure)', () => {
  const context = { environment: 2, now: () => Date.parse('2026-05-01T10:00:00Z') };

  function invalid(params: unknown): { path: string; message: string }[] {
    try {
      validateParams('getRoutes', params);
    } catch (err) {
      expect(isSippyError(err, 'RPC_INVALID_PARAMS')).to.equal(true);
      return ((err as SippyError).data as { errors: { path: string; message: string }[] }).errors;
    }
    throw new Error('expected RPC_INVALID_PARAMS');
  }

  it('ISO 8601 with an offset: real dates and offsets only', () => {
    for (const ok of ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00+01:00', '2026-01-31T12:00:00.123456-05:30', '2024-02-29T00:00:00Z']) expect(isIsoWithOffset(ok), ok).to.equal(true);
    for (const bad of ['2026-01-31T12:00:00', '2026-01-31 12:00:00Z', '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-31T24:00:00Z', '2026-01-31T12:00:00+24:00', '2026-01-31T12:00:60Z', '2026-01-31', 'now', '2026-01-31T12:00:00+0100'])
      expect(isIsoWithOffset(bad), bad).to.equal(false);
  });

  it('routeRequest defaults the time to the clock and applies the offset', () => {
    expect(routeRequest({ routing_group: 'g', cld: '1' }, context).time.toISOString()).to.equal('2026-05-01T10:00:00.000Z');
    expect(routeRequest({ routing_group: 'g', cld: '1', call_start_time: '2026-05-01T12:00:00+02:00' }, context).time.toISOString()).to.equal('2026-05-01T10:00:00.000Z');
    expect(routeRequest({ routing_group: 'g', cld: '1', call_start_time: 0 }, context).time.toISOString()).to.equal('1970-01-01T00:00:00.000Z');
  });

  it('routeRequest refuses another environment with ENVIRONMENT_MISMATCH', () => {
    expect(() => routeRequest({ routing_group: 'g', cld: '1', i_environment: 3 }, context)).to.throw(SippyError).with.property('code', 'ENVIRONMENT_MISMATCH');
  });

  it('lists every violation with its JSON pointer, and readable messages', () => {
    expect(invalid({ cld: '', cli: 5, max_routes: 1.5, hops: -1, call_id: 'x'.repeat(257), remote_ip: [], explain: 1 })).to.deep.equal([
      { path: '/routing_group', message: 'is required' },
      { path: '/cld', message: 'must be at least 1 character long' },
      { path: '/cli', message: 'must be a string' },
      { path: '/max_routes', message: 'must be an integer' },
      { path: '/explain', message: 'must be a boolean' },
      { path: '/hops', message: 'must be at least 0' },
      { path: '/call_id', message: 'must be at most 256 characters long' },
      { path: '/remote_ip', message: 'must be a string' },
    ]);
    expect(invalid({ routing_group: 'g', cld: '1', call_start_time: 'yesterday' })).to.deep.equal([
      { path: '/call_start_time', message: 'must be an ISO 8601 date and time with a UTC offset (2026-01-31T12:00:00+01:00) or integer Unix seconds' },
    ]);
    expect(invalid({ routing_group: 'g', cld: '1', call_start_time: {} })).to.deep.equal([{ path: '/call_start_time', message: 'must be a string or an integer' }]);
  });

  it('the error message names the first problem and counts the others', () => {
    try {
      validateParams('getRoutes', { cld: 7 });
      expect.fail('expected an error');
    } catch (err) {
      expect((err as Error).message).to.equal('Invalid params: /routing_group is required (and 1 more).');
    }
  });

  it('positional or scalar params are refused; absent params are an empty object', () => {
    for (const params of [[], ['g', '1'], 'g', 5, true, null]) expect(invalid(params)).to.deep.equal([{ path: '', message: 'must be an object of named parameters (by name), not positional' }]);
    expect(validateParams('ping', undefined)).to.deep.equal({});
  });

  it('unknown members are accepted and left out of the RouteRequest', () => {
    const request = routeRequest({ routing_group: 'g', cld: '1', codec: 'G729', nested: { a: [1] } }, context);
    expect(Object.keys(request).sort()).to.deep.equal(['call_id', 'cld', 'cli', 'explain', 'hops', 'max_routes', 'remote_ip', 'routing_group', 'time']);
  });
});
