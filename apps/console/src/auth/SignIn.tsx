import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ProblemAlert } from '../components/ProblemAlert';
import { useSession } from './session';

/** Sign in with an API token, checked by GET /v1/whoami; a refusal is shown as the API said it. */
export function SignIn() {
  const { signIn, endedBecause } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <Center mih="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            setError(undefined);
            signIn(token.trim())
              .catch((err: unknown) => setError(err))
              .finally(() => setBusy(false));
          }}
        >
          <Stack>
            <Title order={1} size="h2">
              Xenplane console
            </Title>
            <Text size="sm">
              Sign in with an API token (a project&apos;s, or a global operator or admin token). It is kept in this tab
              only.
            </Text>
            {endedBecause && (
              <Alert color="yellow" title="Signed out" role="status">
                {endedBecause}
              </Alert>
            )}
            <PasswordInput
              label="API token"
              required
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
            />
            <ProblemAlert error={error} title="Sign-in failed" />
            <Button type="submit" loading={busy} disabled={!token.trim()}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
