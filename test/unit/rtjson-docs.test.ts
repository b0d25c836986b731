import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { catalogue, type ErrorCode } from '../../src/errors.js';
import { RTJSON_STATUS } from '../../src/rpc/rtjson-front.js';
import { MAX_NAME_ECHO, RTJSON_QUERY_PARAMS } from '../../src/rpc/rtjson-query.js';

const RPC_DOC = readFileSync(new URL('../../../docs/rpc.md', import.meta.url), 'utf8');

describe('docs/rpc.md against GET /rtjson', () => {
  it('lists every error code with the HTTP status RTJSON_STATUS gives it, and the JSON-RPC codes of the catalogue', () => {
    const table = RPC_DOC.slice(RPC_DOC.indexOf('| HTTP | code | errors |'));
    const rows = table.split('\n').slice(2).filter((line) => line.startsWith('|'));
    const documented: Record<string, number> = {};
    for (const row of rows) {
      const [status, codes, names] = row.split('|').slice(1, 4).map((cell) => cell.trim());
      for (const name of names!.match(/`[A-Z_]+`/g) ?? []) {
        const code = name.slice(1, -1) as ErrorCode;
        documented[code] = Number(status);
        expect(codes, `${code}'s JSON-RPC code`).to.include(String((catalogue[code] as { rpc?: number }).rpc));
      }
    }
    expect(documented).to.deep.equal(RTJSON_STATUS);
  });

  it('says how long a parameter name echoed back in an error may be', () => {
    expect(RPC_DOC).to.include(`(a name echoed back is cut at ${MAX_NAME_ECHO} characters)`);
  });

  it('names the query parameters GET /rtjson takes, in order', () => {
    const shape = /`GET \/rtjson\?([^`]*)`/.exec(RPC_DOC)?.[1] ?? '';
    expect([...shape.matchAll(/([a-z_]+)=/g)].map((m) => m[1])).to.deep.equal([...RTJSON_QUERY_PARAMS]);
  });
});
