import { Anchor, type AnchorProps, Button, type ButtonProps, NavLink, type NavLinkProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import { forwardRef, type AnchorHTMLAttributes } from 'react';

/** Mantine's Anchor, Button and NavLink as typed router links (`to`, `params`, `search` checked). */
type A = AnchorHTMLAttributes<HTMLAnchorElement>;

export const AnchorLink = createLink(
  forwardRef<HTMLAnchorElement, AnchorProps & A>((props, ref) => <Anchor ref={ref} {...props} />),
);
export const ButtonLink = createLink(
  forwardRef<HTMLAnchorElement, ButtonProps & A>((props, ref) => <Button component="a" ref={ref} {...props} />),
);
export const NavLinkLink = createLink(
  forwardRef<HTMLAnchorElement, NavLinkProps & A>((props, ref) => <NavLink component="a" ref={ref} {...props} />),
);
