import { carriesBody, isJsonUtf8, takesBinaryBody } from './input-guard';

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

describe('the one route that reads bytes', () => {
  const OCTETS = 'application/octet-stream';
  it('is an image upload: PUT /v1/images/:id/file with application/octet-stream', () => {
    expect(takesBinaryBody('PUT', '/v1/images/0b7e4c52-7d2a-4f7e-9d55-3f1e2a9c8b01/file', OCTETS)).toBe(true);
    expect(takesBinaryBody('PUT', '/v1/images/x/file', 'Application/Octet-Stream; foo=bar')).toBe(true);
  });

  it('and nothing else: another method, another path, another type', () => {
    expect(takesBinaryBody('POST', '/v1/images/x/file', OCTETS)).toBe(false);
    expect(takesBinaryBody('PUT', '/v1/images/x', OCTETS)).toBe(false);
    expect(takesBinaryBody('POST', '/v1/images', OCTETS)).toBe(false);
    expect(takesBinaryBody('PUT', '/v1/images/x/file/more', OCTETS)).toBe(false);
    expect(takesBinaryBody('PATCH', '/v1/vms/x', OCTETS)).toBe(false);
    expect(takesBinaryBody('PUT', '/v1/images/x/file', 'text/plain')).toBe(false);
    expect(takesBinaryBody('PUT', '/v1/images/x/file', undefined)).toBe(false);
  });
});
