import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { CreateVmDto } from '../../vms/dto/create-vm.dto';
import { answerClientError } from '../errors/client-error';
import { ProblemFilter } from '../errors/problem.filter';
import { installInputGuard } from './input-guard';
import { createValidationPipe } from './validation';

const seen: unknown[] = [];

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() dto: CreateVmDto) {
    seen.push(dto);
    return { ok: true };
  }
}

@Module({ controllers: [EchoController], providers: [{ provide: APP_FILTER, useClass: ProblemFilter }] })
class EchoModule {}

/** The API's edge (main.ts) in this process: what it refuses must not reach a prototype here. */
describe('the input guard, in process', () => {
  let app: NestExpressApplication;
  let base: string;
  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(EchoModule, { logger: false, bodyParser: false });
    installInputGuard(app, 256);
    app.useGlobalPipes(createValidationPipe());
    (app.getHttpServer() as Server).on('clientError', answerClientError);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });
  afterAll(() => app?.close());

  const post = async (body: string, contentType = 'application/json') => {
    const res = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  };
  const valid = { name: 'vm', flavor: 'm1.small', image: 'tiny-pv' };

  it('lets a valid body through', async () => {
    expect((await post(JSON.stringify(valid))).status).toBe(201);
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['__proto__ at the top', '{"__proto__":{"polluted":1}}', '__proto__'],
    ['constructor.prototype at the top', '{"constructor":{"prototype":{"polluted":1}}}', 'constructor'],
    [
      '__proto__ in metadata',
      JSON.stringify(valid).replace('}', ',"metadata":{"__proto__":{"polluted":1}}}'),
      'metadata.__proto__',
    ],
    ['toString in metadata', JSON.stringify({ ...valid, metadata: { toString: 'x' } }), 'metadata.toString'],
  ])('refuses %s, and no prototype changes', async (_what, body, field) => {
    const before = seen.length;
    const res = await post(body);
    expect(res).toMatchObject({ status: 400, body: { code: 'validation_failed', errors: [{ field }] } });
    expect(res.type).toContain('application/problem+json');
    expect(seen).toHaveLength(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a body nested past the limit before class-transformer walks it', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    for (const body of [`{"name":${deep(1_500)}}`, '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)])
      expect(await post(body)).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
  });

  it('answers a body in another charset or media type with 415', async () => {
    for (const sent of [
      'application/json; charset=latin1',
      'text/plain',
      'application/xml',
      'application/octet-stream',
    ])
      expect({ sent, ...(await post(JSON.stringify(valid), sent)) }).toMatchObject({
        sent,
        status: 415,
        type: expect.stringContaining('application/problem+json'),
        body: { code: 'unsupported_media_type', status: 415 },
      });
  });
});
