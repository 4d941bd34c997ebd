import {
  type CSSVariablesResolver,
  createTheme,
  defaultVariantColorsResolver,
  Modal,
  parseThemeColor,
  type VariantColorsResolver,
} from '@mantine/core';

/**
 * Light variants (badges, alerts, active links, light buttons) write their text in black, outline
 * and subtle ones in shade 9 of their colour: Mantine's shade 6 is under WCAG AA's 4.5:1 (axe checks it).
 */
const darkerText: VariantColorsResolver = (input) => {
  const base = defaultVariantColorsResolver(input);
  if (!['light', 'outline', 'subtle', 'transparent'].includes(input.variant)) return base;
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor || parsed.color === 'gray' || parsed.color === 'dark') return base;
  // on a tint (light) even shade 9 of green or red is under 4.5:1: black text there
  const text = input.variant === 'light' ? 'var(--mantine-color-black)' : `var(--mantine-color-${parsed.color}-9)`;
  return {
    ...base,
    color: text,
    hoverColor: text,
    ...(input.variant === 'outline' ? { border: `1px solid ${text}` } : {}),
  };
};

/** Filled controls in shade 9 too: white text on them passes AA for every colour used (blue, red, green). */
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: 9,
  variantColorResolver: darkerText,
  // no transitions for those who ask their system for less motion (and no half-faded dialog for axe)
  respectReducedMotion: true,
  components: {
    // a modal's X is an icon-only button: named, or axe's button-name (critical) fails every dialog
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
  },
});

/** Descriptions and other "dimmed" text in gray 7 (Mantine's gray 6 is 3.3:1 on white). */
export const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});
