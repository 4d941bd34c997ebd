import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreatedToken, Token } from '@xenplane/sdk';
import { useState } from 'react';
import { keys } from '../../api/keys';
import { useProject } from '../../api/lists';
import { useClient, useSession } from '../../auth/session';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QuotaBars } from '../../components/QuotaBars';

/** The project: its quota and usage as bars; its tokens (a project admin's or a global admin's). */
export function ProjectsPage() {
  const { projectId, whoami } = useSession();
  const project = useProject(projectId);
  if (!projectId)
    return (
      <Stack>
        <Title order={1} size="h2">
          Project
        </Title>
        <Text>
          {whoami?.global && whoami.role !== 'admin'
            ? 'A global operator token works across projects; quotas and tokens are managed by admins.'
            : 'Choose a project in the header.'}
        </Text>
      </Stack>
    );
  const mayManageTokens = whoami?.role === 'admin';
  return (
    <Stack>
      <Title order={1} size="h2">
        Project {project.data?.name ?? ''}
      </Title>
      <ProblemAlert error={project.error} title="The project could not be read" />
      {project.data ? (
        <Paper withBorder p="md" component="section" aria-labelledby="usage-heading" maw={640}>
          <Title order={2} size="h4" id="usage-heading" mb="sm">
            Quota and usage
          </Title>
          <QuotaBars quota={project.data.quota} usage={project.data.usage} />
        </Paper>
      ) : null}
      {mayManageTokens ? (
        <Tokens projectId={projectId} />
      ) : (
        <Text size="sm">Tokens are managed by the project&apos;s admins.</Text>
      )}
    </Stack>
  );
}

const ROLES = ['admin', 'member', 'viewer'] as const;

function Tokens({ projectId }: { projectId: string }) {
  const client = useClient();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('member');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<CreatedToken>();
  const tokens = useQuery({
    queryKey: keys.tokens(projectId),
    queryFn: async () => {
      const out: Token[] = [];
      for await (const t of client.paginate('/v1/projects/{id}/tokens', {
        params: { path: { id: projectId }, query: { limit: 200 } },
      }))
        out.push(t);
      return out;
    },
  });
  const create = useMutation({
    mutationFn: () =>
      client.POST('/v1/projects/{id}/tokens', {
        params: { path: { id: projectId } },
        body: { name: name.trim(), role, ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}) },
      }) as Promise<CreatedToken>,
    onSuccess: (t) => {
      setCreated(t);
      setName('');
      void qc.invalidateQueries({ queryKey: keys.tokens(projectId) });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => client.DELETE('/v1/tokens/{id}', { params: { path: { id } } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.tokens(projectId) }),
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="tokens-heading">
      <Title order={2} size="h4" id="tokens-heading" mb="sm">
        Tokens
      </Title>
      <Stack>
        <form
          aria-label="Create a token"
          onSubmit={(e) => {
            e.preventDefault();
            setCreated(undefined);
            create.mutate();
          }}
        >
          <Group align="flex-end">
            <TextInput label="Token name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <Select
              label="Role"
              data={[...ROLES]}
              value={role}
              onChange={(v) => setRole((v as (typeof ROLES)[number]) ?? 'member')}
              allowDeselect={false}
            />
            <TextInput
              label="Expires"
              type="datetime-local"
              description="empty: never"
              value={expires}
              onChange={(e) => setExpires(e.currentTarget.value)}
            />
            <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
              Create token
            </Button>
          </Group>
        </form>
        <ProblemAlert error={create.error} title="The token was not created" />
        {created ? (
          <Alert color="green" title={`Token ${created.name} created`} role="status">
            <Text size="sm" mb="xs">
              Its secret is shown this once: copy it now.
            </Text>
            <Group>
              <Code aria-label="New token secret">{created.token}</Code>
              <CopyButton value={created.token}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" onClick={copy}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
              <Button size="xs" variant="subtle" onClick={() => setCreated(undefined)}>
                Done
              </Button>
            </Group>
          </Alert>
        ) : null}
        <ProblemAlert error={tokens.error ?? revoke.error} title="Tokens" />
        {tokens.data?.length ? (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Name</Table.Th>
                <Table.Th scope="col">Role</Table.Th>
                <Table.Th scope="col">Prefix</Table.Th>
                <Table.Th scope="col">Last used</Table.Th>
                <Table.Th scope="col">Expires</Table.Th>
                <Table.Th scope="col">State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{t.role}</Table.Td>
                  <Table.Td>{t.prefix ? <Code>{t.prefix}…</Code> : '—'}</Table.Td>
                  <Table.Td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</Table.Td>
                  <Table.Td>{t.expiresAt ? new Date(t.expiresAt).toLocaleString() : 'never'}</Table.Td>
                  <Table.Td>
                    {t.revokedAt ? (
                      `revoked ${new Date(t.revokedAt).toLocaleString()}`
                    ) : (
                      <ConfirmButton
                        size="xs"
                        variant="light"
                        title={`Revoke ${t.name}?`}
                        message="Requests with this token are refused from now on. This cannot be undone."
                        confirmLabel="Revoke"
                        onConfirm={() => revoke.mutate(t.id)}
                        aria-label={`Revoke ${t.name}`}
                      >
                        Revoke
                      </ConfirmButton>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Stack>
    </Paper>
  );
}
