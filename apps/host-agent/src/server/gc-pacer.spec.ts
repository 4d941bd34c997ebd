import { GcPacer } from './gc-pacer';

describe('GcPacer', () => {
  it('asks for one asynchronous major GC after every n calls', () => {
    const gc = jest.fn(async () => undefined);
    const pacer = new GcPacer(gc, 3);
    for (let i = 0; i < 7; i++) pacer.called();
    expect(gc).toHaveBeenCalledTimes(2);
    expect(gc).toHaveBeenCalledWith({ type: 'major', execution: 'async' });
  });

  it('does nothing when node does not expose gc()', () => {
    const pacer = new GcPacer(undefined, 1);
    expect(() => pacer.called()).not.toThrow();
  });
});
