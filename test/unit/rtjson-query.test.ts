import { expect } from 'chai';
import { isSippyError, type SippyError } from '../../src/errors.js';
import { routeRequest } from '../../src/rpc/methods.js';
import { rtjsonQueryParams } from '../../src/rpc/rtjson-query.js';

function refused(query: string): SippyError {
  try {
    rtjsonQueryParams(query);
  } catch (err) {
    if (isSippyError(err, 'RPC_INVALID_PARAMS')) return err;
    throw err;
  }
  throw new Error(`expected ${query} to be refused`);
}

describe('GET /rtjson query (pure)', () => {
  it('takes getRoutes\' parameters by name, percent-decoded UTF-8, + as a plus sign', () => {
    expect(rtjsonQueryParams('routing_group=Group%201&cld=4420712345678&cli=+15551230000&call_start_time=2026-01-31T12%3A00%3A00%2B01%3A00&max_routes=3')).to.deep.equal({
      routing_group: 'Group 1', cld: '4420712345678', cli: '+15551230000', call_start_time: '2026-01-31T12:00:00+01:00', max_routes: 3,
    });
    expect(rtjsonQueryParams('routing_group=%C3%A9%26co&cld=1&cli=')).to.deep.equal({ routing_group: 'é&co', cld: '1', cli: '' });
    expect(rtjsonQueryParams('')).to.deep.equal({});
    expect(rtjsonQueryParams('&cld=1&&')).to.deep.equal({ cld: '1' });
  });

  it('integers become numbers (Unix seconds, max_routes) for the schema to judge; anything else stays text', () => {
    expect(rtjsonQueryParams('call_start_time=1769857200&max_routes=-1')).to.deep.equal({ call_start_time: 1769857200, max_routes: -1 });
    expect(rtjsonQueryParams('max_routes=3x&cld=007')).to.deep.equal({ max_routes: '3x', cld: '007' });
  });

  it('refuses every unknown parameter, naming each', () => {
    const error = refused('routing_group=g&cld=1&explain=true&format=rtjson&i_environment=2');
    expect(error.message).to.equal('Invalid params: /explain is not a parameter of GET /rtjson (routing_group, cld, cli, call_start_time, max_routes) (and 2 more).');
    expect((error.data as { errors: { path: string }[] }).errors.map((e) => e.path)).to.deep.equal(['/explain', '/format', '/i_environment']);
  });

  it('refuses a parameter given twice, text that is not percent-encoded UTF-8, and cuts a long name', () => {
    expect((refused('cld=1&cld=2&cld=3').data as { errors: unknown[] }).errors).to.deep.equal([{ path: '/cld', message: 'is given more than once' }]);
    expect((refused('cld=%E9').data as { errors: unknown[] }).errors).to.deep.equal([{ path: '/cld', message: 'is not percent-encoded UTF-8' }]);
    expect((refused('cld=%zz').data as { errors: unknown[] }).errors).to.deep.equal([{ path: '/cld', message: 'is not percent-encoded UTF-8' }]);
    expect((refused('a%ZZ=1').data as { errors: { path: string }[] }).errors[0]!.path).to.equal('/a%ZZ');
    const long = refused(`${'n'.repeat(5000)}=1`);
    expect((long.data as { errors: { path: string }[] }).errors[0]!.path).to.equal(`/${'n'.repeat(64)}…`);
    expect((refused('a/b~c=1').data as { errors: { path: string }[] }).errors[0]!.path).to.equal('/a~1b~0c');
  });

  it('its params are validated as getRoutes\' are', () => {
    const context = { environment: 2, now: () => 0 };
    expect(routeRequest(rtjsonQueryParams('routing_group=g&cld=1&max_routes=2'), context)).to.include({ routing_group: 'g', cld: '1', cli: '', max_routes: 2 });
    expect(() => routeRequest(rtjsonQueryParams('routing_group=g&max_routes=0'), context)).to.throw(/\/cld is required/);
  });
});
