import { AppShell, Badge, Burger, Button, Group, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Outlet, useRouterState } from '@tanstack/react-router';
import { useLiveStatus } from '../api/live';
import { NavLinkLink } from '../components/links';
import { ProjectSwitcher } from '../auth/ProjectSwitcher';
import { SignIn } from '../auth/SignIn';
import { useSession } from '../auth/session';
import { type NavEntry, OPERATOR_NAV } from '../pages/operator/routes';

const TENANT_NAV: NavEntry[] = [
  { to: '/vms', label: 'Virtual machines' },
  { to: '/vms/new', label: 'Create VMs' },
  { to: '/projects', label: 'Project' },
];

/** The app shell: header (project, who, live status, sign out), navigation by role, the page. */
export function Shell() {
  const session = useSession();
  const [opened, { toggle }] = useDisclosure();
  const live = useLiveStatus();
  const path = useRouterState({ select: (s) => s.location.pathname });
  if (!session.client || !session.whoami) return <SignIn />;
  const { whoami } = session;
  const nav = (entries: NavEntry[]) =>
    entries.map((e) => (
      <NavLinkLink key={e.to} to={e.to} label={e.label} active={path === e.to} activeOptions={{ exact: true }} />
    ));
  return (
    <AppShell
      header={{ height: 64 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Navigation" />
            <Title order={2} size="h4">
              Xenplane
            </Title>
          </Group>
          <Group wrap="nowrap" gap="sm">
            <ProjectSwitcher />
            <Badge variant="outline" color={whoami.global ? 'grape' : 'blue'} aria-label="Signed in as">
              {whoami.global ? `global ${whoami.role}` : whoami.role}
            </Badge>
            <Text size="xs" c={live === 'live' ? 'gray.9' : 'red.9'} aria-live="polite">
              {live === 'live' ? 'live' : live === 'down' ? 'events down' : 'connecting'}
            </Text>
            <Button variant="default" size="xs" onClick={() => session.signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        <ScrollArea>
          {nav(TENANT_NAV)}
          {session.isOperator && OPERATOR_NAV.length ? (
            <>
              <Text size="xs" fw={700} c="gray.7" mt="md" mb={4} px="sm">
                Operator
              </Text>
              {nav(OPERATOR_NAV.filter((e) => !e.adminOnly || whoami.role === 'admin'))}
            </>
          ) : null}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
