import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';

@Injectable()
class A { hello() { return 'a'; } }
@Injectable()
class B { constructor(readonly a: A) {} }

describe('probe', () => {
  it('decorator metadata', async () => {
    expect(Reflect.getMetadata('design:paramtypes', B)).toEqual([A]);
    const m = await Test.createTestingModule({ providers: [A, B] }).compile();
    expect(m.get(B).a.hello()).toBe('a');
  });
});
