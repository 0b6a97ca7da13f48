import 'reflect-metadata';
import { Controller, Get, Headers, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiProperty, DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ApiCreated, ApiIdempotencyKey, ApiOk, ApiOkMedia, ApiProblems, PROBLEM_MEDIA_TYPE, withReusableParameters } from './api-docs.js';

class ThingDto {
  @ApiProperty({ example: 't-1' })
  id!: string;
}

@Controller('things')
class ThingsController {
  @Post()
  @ApiCreated(ThingDto, { description: 'The thing.', headers: { Location: { description: 'Its URL.', schema: { type: 'string' } } } })
  @ApiProblems(400, { status: 409, description: 'Already there.' }, 503)
  @ApiIdempotencyKey()
  create(@Headers('idempotency-key') key?: string): ThingDto {
    return { id: key ?? 't-1' };
  }

  @Get()
  @ApiOk(ThingDto, { description: 'All things.', isArray: true })
  @ApiProblems(401)
  list(): ThingDto[] {
    return [];
  }

  @Get('export')
  @ApiOkMedia('The things as CSV.', { 'text/csv': { type: 'string' } })
  export(): string {
    return '';
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('api-docs decorators', () => {
  let app: NestFastifyApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ThingsModule, new FastifyAdapter(), { logger: false });
    document = withReusableParameters(SwaggerModule.createDocument(app, new DocumentBuilder().build()));
  });
  afterAll(async () => app.close());

  it('documents each problem status as application/problem+json with the ProblemDetails schema', () => {
    const responses = document.paths['/things'].post!.responses;
    for (const status of ['400', '409', '503']) {
      expect(responses[status]).toMatchObject({ content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } } });
    }
    expect(responses['409']).toMatchObject({ description: 'Already there.' });
    expect(responses['400']).toMatchObject({ description: expect.stringContaining('invalid') });
    expect(responses['503']).toMatchObject({ headers: { 'Retry-After': { schema: { type: 'integer' } } } });
    expect(responses['400']).not.toHaveProperty('headers');
  });

  it('registers ProblemDetails with the RFC 9457 fields Verdict renders', () => {
    const schema = document.components!.schemas!.ProblemDetails as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required.sort()).toEqual(['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type']);
    expect(schema.properties.errors).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/ProblemPointerItem' } });
    expect(document.components!.schemas!.ProblemPointerItem).toMatchObject({ required: ['pointer', 'message'] });
  });

  it('documents JSON success bodies by schema reference, arrays and headers included', () => {
    expect(document.paths['/things'].post!.responses['201']).toMatchObject({
      description: 'The thing.',
      headers: { Location: { schema: { type: 'string' } } },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingDto' } } },
    });
    expect(document.paths['/things'].get!.responses['200']).toMatchObject({
      content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/ThingDto' } } } },
    });
  });

  it('documents non-JSON bodies by media type', () => {
    expect(document.paths['/things/export'].get!.responses['200']).toEqual({ description: 'The things as CSV.', content: { 'text/csv': { schema: { type: 'string' } } } });
  });

  it('declares Idempotency-Key once, optional, and the operation refers to it instead of Nest\'s required `idempotency-key`', () => {
    expect(document.paths['/things'].post!.parameters).toEqual([{ $ref: '#/components/parameters/IdempotencyKey' }]);
    expect(document.components!.parameters!.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false, schema: { maxLength: 255 } });
    expect(document.paths['/things'].get!.parameters ?? []).toEqual([]);
  });

  it('refuses a success status as a problem', () => {
    expect(() => ApiProblems(200)).toThrow(/not an error status/);
  });
});
