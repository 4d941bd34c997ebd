import { Alert, List } from '@mantine/core';
import { ProblemError } from '@xenplane/sdk';

/** An error as the API said it: a ProblemError's title and detail (and each bad field), never swallowed. */
export function ProblemAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const p = error instanceof ProblemError ? error : undefined;
  const heading = title ?? (p ? `${p.title} (${p.status})` : 'Something went wrong');
  const detail = p ? (p.detail ?? p.code ?? p.message) : error instanceof Error ? error.message : String(error);
  return (
    <Alert color="red" title={heading} role="alert" variant="light">
      {title && p ? `${p.title} (${p.status}): ` : ''}
      {detail}
      {p?.problem.errors?.length ? (
        <List size="sm" mt="xs">
          {p.problem.errors.map((e) => (
            <List.Item key={e.field}>
              {e.field}: {e.message}
            </List.Item>
          ))}
        </List>
      ) : null}
    </Alert>
  );
}
