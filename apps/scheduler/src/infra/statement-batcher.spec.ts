import { StatementBatcher } from './statement-batcher';

const turn = () => new Promise((r) => setImmediate(r));

describe('StatementBatcher', () => {
  it('sends what is submitted in one turn as one batch, answering each in its order', async () => {
    const sent: number[][] = [];
    const b = new StatementBatcher<number, number>(async (items) => {
      sent.push([...items]);
      return items.map((i) => i * 10);
    });
    const answers = await Promise.all([b.submit(1), b.submit(2), b.submit(3)]);
    expect(answers).toEqual([10, 20, 30]);
    expect(sent).toEqual([[1, 2, 3]]);
  });

  it('sends items of later turns in later batches', async () => {
    const sent: number[][] = [];
    const b = new StatementBatcher<number, number>(async (items) => (sent.push([...items]), items.map(() => 0)));
    const first = b.submit(1);
    await turn();
    await Promise.all([first, b.submit(2)]);
    expect(sent).toEqual([[1], [2]]);
  });

  it('splits more than 64 items into several statements', async () => {
    const sizes: number[] = [];
    const b = new StatementBatcher<number, number>(async (items) => (sizes.push(items.length), [...items]));
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => b.submit(i)));
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(sizes).toEqual([64, 36]);
  });

  it('tries each item of a failed batch alone: only the item that fails alone fails', async () => {
    const sent: number[][] = [];
    const b = new StatementBatcher<number, string>(async (items) => {
      sent.push([...items]);
      if (items.includes(2)) throw new Error('bad item 2');
      return items.map(String);
    });
    const results = await Promise.allSettled([b.submit(1), b.submit(2), b.submit(3)]);
    expect(results).toEqual([
      { status: 'fulfilled', value: '1' },
      { status: 'rejected', reason: new Error('bad item 2') },
      { status: 'fulfilled', value: '3' },
    ]);
    expect(sent).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('rejects a lone item with its own error', async () => {
    const b = new StatementBatcher<number, number>(() => Promise.reject(new Error('down')));
    await expect(b.submit(1)).rejects.toThrow('down');
  });
});
