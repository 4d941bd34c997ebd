import { carriesBody, isJsonUtf8 } from './input-guard';

describe('the edge reads a body', () => {
  it('as JSON only when it is application/json with no charset or UTF-8', () => {
    for (const type of [
      'application/json',
      'Application/JSON',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; charset="utf-8"',
    ])
      expect({ type, json: isJsonUtf8(type) }).toEqual({ type, json: true });
    for (const type of [
      undefined,
      '',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=utf8',
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'application/merge-patch+json',
      'application/jsonx',
      ';;;',
    ])
      expect({ type, json: isJsonUtf8(type) }).toEqual({ type, json: false });
  });

  it('when the request says it sends bytes: a Content-Length above 0, or chunks', () => {
    expect(carriesBody({})).toBe(false);
    expect(carriesBody({ 'content-length': '0' })).toBe(false);
    expect(carriesBody({ 'content-length': '12' })).toBe(true);
    expect(carriesBody({ 'transfer-encoding': 'chunked' })).toBe(true);
  });
});
