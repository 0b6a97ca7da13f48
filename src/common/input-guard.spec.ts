import { checkJsonBody, checkRequestText, findPrototypePoisoning, jsonBodyRefusal, mayHoldRefusedCharacter, refusedCharacter, withoutRefusedCharacters } from './input-guard.js';

/** `depth` nested arrays around `inner`: `nestedArrays(2, 1)` is `[[1]]`. */
function nestedArrays(depth: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('input guard', () => {
  describe('refused characters', () => {
    it.each([
      ['a\u0000b', 'U+0000'],
      ['\ud800', 'a lone surrogate (U+D800)'],
      ['x\udfff', 'a lone surrogate (U+DFFF)'],
      ['\udc00\ud800', 'a lone surrogate (U+DC00)'],
      ['\ud83d', 'a lone surrogate (U+D83D)'],
    ])('%j holds %s', (text, described) => {
      expect(refusedCharacter(text)).toBe(described);
    });

    it.each(['', 'Patient/123', '💥 pair \ud83d\udca5', '\u2028', '\ufeff', '\u0001', 'é'])('%j is acceptable', (text) => {
      expect(refusedCharacter(text)).toBeUndefined();
    });

    it('replaces refused characters by U+FFFD and keeps surrogate pairs', () => {
      expect(withoutRefusedCharacters('a\u0000b\ud800c\ud83d\udca5')).toBe('a\ufffdb\ufffdc\ud83d\udca5');
    });

    it('knows from the JSON text alone when no string can hold one (only \\u escapes can)', () => {
      expect(mayHoldRefusedCharacter('{"a":"b"}')).toBe(false);
      expect(mayHoldRefusedCharacter('{"a":"\\u00e9"}')).toBe(false);
      expect(mayHoldRefusedCharacter('{"a":"\\u0000"}')).toBe(true);
      expect(mayHoldRefusedCharacter('{"a":"\\uD800"}')).toBe(true);
      expect(mayHoldRefusedCharacter('{"a":"\\udfff"}')).toBe(true);
    });
  });

  describe('checkJsonBody', () => {
    it('accepts a body nested exactly to the limit and refuses one level more, pointing at the deepest allowed level', () => {
      expect(checkJsonBody({ a: nestedArrays(63) }, 64)).toBeUndefined();
      expect(checkJsonBody({ a: nestedArrays(64) }, 64)).toStrictEqual({
        code: 'JSON_TOO_DEEP',
        problems: [{ pointer: '/a' + '/0'.repeat(62), message: 'nests objects or arrays more than 64 levels deep below this point' }],
      });
    });

    it('checks 100,000 levels without overflowing its own stack', () => {
      const found = checkJsonBody(nestedArrays(100_000), 64);
      expect(found?.code).toBe('JSON_TOO_DEEP');
      expect(found?.problems[0].pointer).toBe('/0'.repeat(63));
    });

    it('names every string and key with U+0000 or a lone surrogate, keys escaped per RFC 6901 and the character shown as U+FFFD', () => {
      const body = { context: { patientRef: 'Patient/1\u0000' }, list: ['ok', '\ud800'], 'a/b\u0000': 1, fine: 'Patient/2' };
      expect(checkJsonBody(body, 64)).toStrictEqual({
        code: 'INVALID_CHARACTER',
        problems: expect.arrayContaining([
          { pointer: '/context/patientRef', message: 'contains U+0000' },
          { pointer: '/list/1', message: 'contains a lone surrogate (U+D800)' },
          { pointer: '/a~1b\ufffd', message: 'the key contains U+0000 (shown as U+FFFD)' },
        ]),
      });
      expect(checkJsonBody(body, 64)?.problems).toHaveLength(3);
    });

    it('lists at most 20 places', () => {
      expect(checkJsonBody(Array.from({ length: 50 }, () => '\u0000'), 64)?.problems).toHaveLength(20);
    });

    it('skips the character check when told the text cannot hold one, and checks a bare string body', () => {
      expect(checkJsonBody({ a: '\u0000' }, 64, false)).toBeUndefined();
      expect(checkJsonBody('\u0000', 64)).toStrictEqual({ code: 'INVALID_CHARACTER', problems: [{ pointer: '', message: 'contains U+0000' }] });
      expect(checkJsonBody(42, 64)).toBeUndefined();
      expect(checkJsonBody(null, 64)).toBeUndefined();
    });

    it('takes __proto__, constructor and prototype as ordinary keys', () => {
      const body = JSON.parse('{"__proto__":{"x":"\\u0000"},"constructor":{"prototype":1}}') as unknown;
      expect(checkJsonBody(body, 64)?.problems).toStrictEqual([{ pointer: '/__proto__/x', message: 'contains U+0000' }]);
    });

    it('renders refusals as 400 problems', () => {
      const deep = jsonBodyRefusal(checkJsonBody(nestedArrays(20), 16)!, 16);
      expect(deep).toMatchObject({ status: 400, code: 'JSON_TOO_DEEP', detail: 'The request body nests objects or arrays more than 16 levels deep.' });
      expect(jsonBodyRefusal(checkJsonBody(['\u0000'], 16)!, 16)).toMatchObject({ status: 400, code: 'INVALID_CHARACTER', errors: [{ pointer: '/0' }] });
    });
  });

  describe('checkRequestText', () => {
    it('points at each path or query parameter, by name or value, and at repeated values', () => {
      expect(checkRequestText('query', { rulebook: 'ed-triage', patientRef: 'a\u0000', 'outcome.\ud800': '1', caller: ['x', '\udc00'] })).toStrictEqual([
        { pointer: '/query/patientRef', message: 'contains U+0000' },
        { pointer: '/query/outcome.\ufffd', message: 'the name contains a lone surrogate (U+D800) (shown as U+FFFD)' },
        { pointer: '/query/caller', message: 'contains a lone surrogate (U+DC00)' },
      ]);
      expect(checkRequestText('path', { key: 'ed\u0000triage', version: '1.0.0' })).toStrictEqual([{ pointer: '/path/key', message: 'contains U+0000' }]);
      expect(checkRequestText('header', {})).toStrictEqual([]);
      expect(checkRequestText('query', undefined)).toStrictEqual([]);
    });
  });

  describe('findPrototypePoisoning', () => {
    it('finds a __proto__ key or a constructor holding a prototype key, at any depth', () => {
      expect(findPrototypePoisoning(JSON.parse('{"a":[{"__proto__":{"admin":true}}]}'))).toStrictEqual({ pointer: '/a/0/__proto__', message: 'a __proto__ key is refused (prototype poisoning)' });
      expect(findPrototypePoisoning(JSON.parse('{"b":{"constructor":{"prototype":{}}}}'))?.pointer).toBe('/b/constructor/prototype');
      expect(findPrototypePoisoning(JSON.parse('{"constructor":true,"prototype":1}'))).toBeUndefined();
      expect(findPrototypePoisoning(nestedArrays(100_000))).toBeUndefined();
    });
  });
});
