import { expect } from 'chai';
import { MAX_RULE_LENGTH, RuleCache, RuleSyntaxError, applyRule, parseRule } from '../../../src/routing/rules/translation.js';

function translate(rule: string | null, value: string): string {
  return applyRule(parseRule(rule), value);
}

describe('translation rules', () => {
  const good: [string | null, string, string][] = [
    ['s/^00//;s/^0/44/', '00123', '123'],
    ['s/^00//;s/^0/44/', '0207', '44207'],
    [null, '0207', '0207'],
    ['', '0207', '0207'],
    ['  ', '0207', '0207'],
    ['s|^00|+|', '0044', '+44'],
    ['s#^(\\d{2})(\\d+)$#\\2\\1#', '12345', '34512'],
    ['s/^.*$/9&/', '123', '9123'],
    ['s/^/a\\&b/', '123', 'a&b123'],
    ['s/^/\\\\/', '123', '\\123'],
    ['s/1/x/g', '1121', 'xx2x'],
    ['s/1/x/', '1121', 'x121'],
    ['s/^/$1$\\&/', '12', '$1$&12'],
    ['s/2/$&$/', '12', '1$2$'],
    ['s/\\//-/g', 'a/b/c', 'a-b-c'],
    ['s|a\\|b|x|', 'a|b', 'x'],
    ['s/;/,/g', '1;2', '1,2'],
    ['s/^0/44/ ; s/^44/+44/', '0207', '+44207'],
    ['s/(1)?2/[\\1]/', '2', '[]'],
    ['s/x/y/', '123', '123'],
    ['s/^\\+//;s/\\/\\/x//', '+1//x', '1'],
  ];
  for (const [rule, input, output] of good) {
    it(`${JSON.stringify(rule)} turns ${input} into ${output}`, () => {
      expect(translate(rule, input)).to.equal(output);
    });
  }

  const bad: [string, RegExp][] = [
    ['x/a/b/', /character 1: expected 's'/],
    ['s', /missing delimiter/],
    ['sa/b/c/', /"a" cannot be a delimiter/],
    ['s\\a\\b\\', /cannot be a delimiter/],
    ['s;a;b;', /cannot be a delimiter/],
    ['s a b ', /cannot be a delimiter/],
    ['s\u00a7a\u00a7b\u00a7', /cannot be a delimiter/],
    ['s/a/b', /unterminated replacement/],
    ['s/a', /unterminated regular expression/],
    ['s/a/b\\/', /unterminated replacement/],
    ['s/(/x/', /bad regular expression/],
    ['s//x/', /empty regular expression/],
    ['s/a/\\2/', /group \\2 but the expression has 0/],
    ['s/(a)/\\2/', /group \\2 but the expression has 1/],
    ['s/a/\\n/', /unknown escape \\n/],
    ['s/a/b/i', /unknown or repeated flag "i"/],
    ['s/a/b/gg', /unknown or repeated flag "g"/],
    ['s/a/b/;', /nothing after ';'/],
    ['s/a/b/ x', /expected ';'/],
    ['s/(a+)+b/x/', /nested quantifier/],
    ['s/(\\d*)*$/x/', /nested quantifier/],
    ['s/(x{2,})+/y/', /nested quantifier/],
    [`s/^/${'1'.repeat(MAX_RULE_LENGTH)}/`, /longer than 255 characters/],
  ];
  for (const [rule, message] of bad) {
    it(`refuses ${JSON.stringify(rule.length > 40 ? `${rule.slice(0, 40)}...` : rule)}`, () => {
      expect(() => parseRule(rule)).to.throw(RuleSyntaxError, message);
    });
  }

  it('names the rule in its message', () => {
    expect(() => parseRule('s/(/x/')).to.throw(/translation rule "s\/\(\/x\/"/);
  });

  describe('RuleCache', () => {
    it('parses a rule once and returns the same compiled rule', () => {
      const cache = new RuleCache();
      const first = cache.get('s/^0/44/');
      expect(first).to.not.be.instanceOf(RuleSyntaxError);
      expect(cache.get('s/^0/44/')).to.equal(first);
      expect(cache.size).to.equal(1);
    });

    it('caches a rule that does not parse as its error', () => {
      const cache = new RuleCache();
      const error = cache.get('s/(/x/');
      expect(error).to.be.instanceOf(RuleSyntaxError);
      expect(cache.get('s/(/x/')).to.equal(error);
    });

    it('treats NULL and the empty rule alike', () => {
      const cache = new RuleCache();
      expect(cache.get(null)).to.equal(cache.get(''));
    });

    it('stays within its capacity', () => {
      const cache = new RuleCache(10);
      for (let i = 0; i < 100; i++) cache.get(`s/^${i}//`);
      expect(cache.size).to.be.at.most(10);
      expect(applyRule(cache.get('s/^99//') as ReturnType<typeof parseRule>, '991')).to.equal('1');
    });
  });
});
