import { expect } from 'chai';
import { JsonShapeScanner, scannedRequest } from '../../src/rpc/json-shape.js';
import { replyJson } from '../../src/rpc/reply-json.js';
import { idNeedsText, RawNumberId, requestIdTexts } from '../../src/rpc/request-ids.js';

// Request ids echoed as written (rpc.md "Request ids"): the body-reader's
// scan tells whether the text must be read again, requestIdTexts reads it,
// replyJson writes the text back as it is.
describe('request ids', () => {
  it('the scan finds plain integers only when every number outside strings is one, whatever the chunking', () => {
    const plain = ['{"id":1,"params":{"a":[0,-7,123456789012345678901234567890],"b":true,"c":false,"d":null,"e":"1.5e3 -0 . E"}}', '[{"id":-12},{"id":0}]', '{}'];
    const notPlain = ['{"id":1.50}', '{"id":-0}', '{"id":1e400}', '{"id":1E2}', '{"a":[true,2e9]}', '{"a":-0.5}', '[1,-0]', '{"x":{"id":7.0}}'];
    for (const size of [1, 2, 3, 1000]) {
      for (const [texts, expected] of [[plain, true], [notPlain, false]] as const) {
        for (const text of texts) {
          const scanner = new JsonShapeScanner();
          const bytes = Buffer.from(text);
          for (let at = 0; at < bytes.length; at += size) scanner.feed(bytes.subarray(at, at + size));
          expect(scanner.plainIntegers, `${text} in chunks of ${size}`).to.equal(expected);
        }
      }
    }
  });

  it('a number id needs its text unless the body holds plain integers only and it is a safe integer', () => {
    expect(idNeedsText(JSON.parse('{"id":42}'), true)).to.equal(false);
    expect(idNeedsText(JSON.parse('{"id":9007199254740991}'), true)).to.equal(false);
    expect(idNeedsText(JSON.parse('{"id":9007199254740993}'), true)).to.equal(true);
    expect(idNeedsText(JSON.parse('{"id":1e400}'), false)).to.equal(true);
    expect(idNeedsText(JSON.parse('{"id":42}'), false)).to.equal(true);
    for (const entry of ['{"id":"1e400"}', '{"id":null}', '{}', '[1]', '5', 'null']) expect(idNeedsText(JSON.parse(entry), false), entry).to.equal(false);
  });

  it('reads the id of a request and of each batch entry as written', () => {
    expect(requestIdTexts('{"jsonrpc":"2.0","method":"ping","id":1e400}')).to.deep.equal(['1e400']);
    expect(requestIdTexts(' \n{ "id" : -0 , "method":"ping"} ')).to.deep.equal(['-0']);
    expect(requestIdTexts('[{"id":1.50},5,{"id":"x"},{"method":"ping"},[{"id":3}],{"id":123456789012345678901234567890}]')).to.deep.equal([
      '1.50', undefined, undefined, undefined, undefined, '123456789012345678901234567890',
    ]);
    expect(requestIdTexts('[]')).to.deep.equal([]);
    expect(requestIdTexts('7')).to.deep.equal([undefined]);
  });

  it('reads the id member of the request itself: not one in its params, not one inside a string; the last of repeated ones; an escaped key', () => {
    expect(requestIdTexts('{"params":{"id":1,"x":[{"id":2},"\\"id\\":3"]},"s":"\\\\","id":4.0}')).to.deep.equal(['4.0']);
    expect(requestIdTexts('{"id":1,"id":2E1}')).to.deep.equal(['2E1']);
    expect(requestIdTexts('{"id":1.5,"id":"text"}')).to.deep.equal([undefined]);
    expect(requestIdTexts('{"\\u0069d":1.25}')).to.deep.equal(['1.25']);
    expect(requestIdTexts('{"idx":1.25,"i":2.5}')).to.deep.equal([undefined]);
  });

  it('whatever requestIdTexts reads is the number JSON.parse reads', () => {
    const bodies = ['{"id":-1.5e-3}', '[{"a":[1,{"id":9}],"id":1e2},{"id":0.1}]', '{"x":"}{][,","id":-0.0}', '{"id" :\r\n 77 }'];
    for (const body of bodies) {
      const parsed: unknown = JSON.parse(body);
      const entries = (Array.isArray(parsed) ? parsed : [parsed]) as { id: number }[];
      expect(requestIdTexts(body).map(Number), body).to.deep.equal(entries.map((e) => e.id));
    }
  });

  it('replyJson writes an id carried as text as it is, around a plain result, an error, in a batch', () => {
    const id = new RawNumberId('1e400');
    expect(replyJson({ jsonrpc: '2.0', id, result: { a: 1 } }).toString()).to.equal('{"jsonrpc":"2.0","id":1e400,"result":{"a":1}}');
    expect(replyJson({ jsonrpc: '2.0', error: { code: -32601, message: 'x' }, id }).toString()).to.equal('{"jsonrpc":"2.0","error":{"code":-32601,"message":"x"},"id":1e400}');
    expect(replyJson({ result: null, error: null, id: new RawNumberId('-0') }).toString()).to.equal('{"result":null,"error":null,"id":-0}');
    expect(replyJson([{ jsonrpc: '2.0', id: 1, result: 2 }, { jsonrpc: '2.0', id: new RawNumberId('1.50'), result: 3 }]).toString()).to.equal(
      '[{"jsonrpc":"2.0","id":1,"result":2},{"jsonrpc":"2.0","id":1.50,"result":3}]',
    );
  });

  it('scannedRequest is the body-reader\'s outcome for a whole text', () => {
    expect(scannedRequest('{"id":1}')).to.deep.equal({ text: '{"id":1}', plainIntegers: true });
    expect(scannedRequest('{"id":1.0}').plainIntegers).to.equal(false);
  });
});
