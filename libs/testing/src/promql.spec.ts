import { exportedSeriesNames, promqlMetricNames, sampleSum } from './promql';

describe('promqlMetricNames', () => {
  it('finds the metrics an expression selects, not its functions, labels, strings or durations', () => {
    expect(
      promqlMetricNames(
        'sum by (kind) (rate(xenplane_operations_total{outcome="failed", kind=~"a|b"}[15m])) / sum by (kind) (rate(xenplane_operations_total[15m])) > 0.2 and on (kind) up == 0',
      ).sort(),
    ).toEqual(['up', 'xenplane_operations_total']);
  });

  it('reads histograms, Grafana variables, offsets and numbers with exponents', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le) (rate(xenplane_heartbeat_seconds_bucket[$__rate_interval]))) * 1e3 - xenplane_hosts offset 5m',
      ).sort(),
    ).toEqual(['xenplane_heartbeat_seconds_bucket', 'xenplane_hosts']);
    expect(promqlMetricNames('max(xenplane_ha_restarts{state="waiting"}) > 0 unless bool x_y')).toEqual([
      'xenplane_ha_restarts',
      'x_y',
    ]);
  });
});

describe('exportedSeriesNames', () => {
  it('names every series of the exposition, a histogram with its buckets, sum and count', () => {
    const text = [
      '# HELP a_total things',
      '# TYPE a_total counter',
      'a_total 1',
      '# TYPE b_seconds histogram',
      'b_seconds_bucket{le="1"} 1',
      '# TYPE c gauge',
    ].join('\n');
    expect([...exportedSeriesNames(text)].sort()).toEqual([
      'a_total',
      'b_seconds',
      'b_seconds_bucket',
      'b_seconds_count',
      'b_seconds_sum',
      'c',
    ]);
  });
});

describe('sampleSum', () => {
  it('sums the samples whose labels include those asked for', () => {
    const text = [
      '# TYPE ops_total counter',
      'ops_total{kind="create",outcome="succeeded"} 2',
      'ops_total{kind="create",outcome="failed"} 1',
      'ops_total{kind="delete",outcome="succeeded"} 4',
      'ops_totally 100',
    ].join('\n');
    expect(sampleSum(text, 'ops_total')).toBe(7);
    expect(sampleSum(text, 'ops_total', { kind: 'create' })).toBe(3);
    expect(sampleSum(text, 'ops_total', { kind: 'create', outcome: 'failed' })).toBe(1);
    expect(sampleSum(text, 'ops_total', { kind: 'migrate' })).toBe(0);
  });
});
