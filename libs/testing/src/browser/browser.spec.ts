import { describeViolations } from './browser';

describe('describeViolations', () => {
  it('lists each rule with its impact, help, the first five elements and the rest counted', () => {
    const text = describeViolations([
      {
        id: 'color-contrast',
        impact: 'serious',
        help: 'Elements must meet minimum color contrast ratio thresholds',
        helpUrl: 'https://dequeuniversity.com/rules/axe/4.14/color-contrast',
        nodes: Array.from({ length: 7 }, (_, i) => ({ target: [`#row-${i}`] })),
      },
    ]);
    expect(text).toBe(
      '- color-contrast (serious): Elements must meet minimum color contrast ratio thresholds — ' +
        '#row-0, #row-1, #row-2, #row-3, #row-4 and 2 more (https://dequeuniversity.com/rules/axe/4.14/color-contrast)',
    );
  });
});
