import { expect } from 'chai';
import { parsePolicy } from '../../../src/routing/rules/policy.js';
import { isSippyError } from '../../../src/errors.js';

describe('routing policy', () => {
  const good: [string, string[]][] = [
    ['lcr', ['lcr']],
    ['prefix,lcr', ['prefix', 'lcr']],
    [' weight , order ', ['weight', 'order']],
    ['lcr,prefix,preference,order,weight', ['lcr', 'prefix', 'preference', 'order', 'weight']],
  ];
  for (const [policy, keys] of good) {
    it(`${JSON.stringify(policy)} is ${keys.join(' then ')}`, () => expect(parsePolicy(policy, 'G')).to.deep.equal(keys));
  }

  const bad: [string, string][] = [['LCR', 'LCR'], ['lcr,cost', 'cost'], ['', ''], ['lcr,,order', ''], ['lcr;order', 'lcr;order']];
  for (const [policy, key] of bad) {
    it(`refuses ${JSON.stringify(policy)}: unknown key ${JSON.stringify(key)}`, () => {
      try {
        parsePolicy(policy, 'Group 1');
        expect.fail('no error');
      } catch (err) {
        expect(isSippyError(err, 'ROUTING_BAD_POLICY')).to.equal(true);
        const e = err as { message: string; data: unknown; rpcCode: number };
        expect(e.rpcCode).to.equal(-32603);
        expect(e.message).to.contain(`"Group 1"`).and.contain(`unknown key ${JSON.stringify(key)}`).and.contain('known keys are lcr, prefix, preference, order, weight');
        expect(e.data).to.deep.equal({ routing_group: 'Group 1', policy, key });
      }
    });
  }
});
