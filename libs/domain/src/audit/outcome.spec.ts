import { statusRange } from './outcome';

describe('the outcome filter', () => {
  it('maps a status class to its range', () => {
    expect(statusRange('2xx')).toEqual({ from: 200, to: 300 });
    expect(statusRange('4xx')).toEqual({ from: 400, to: 500 });
    expect(statusRange('5xx')).toEqual({ from: 500, to: 600 });
  });
});
