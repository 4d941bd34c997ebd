import {
  Button,
  Grid,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { CreateVm, CreatedVms } from '@xenplane/sdk';
import { useState } from 'react';
import { keys } from '../../api/keys';
import { useFlavors, useImages, useKeypairs, useNetworks, useProject, useServerGroups } from '../../api/lists';
import { useClient, useSession } from '../../auth/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QuotaBars } from '../../components/QuotaBars';
import { parseDuration } from '../../lib/ids';
import { overQuota, quotaLeft, request } from '../../lib/quota';

const HA = ['none', 'low', 'medium', 'high'] as const;

/** Create one or more VMs; the quota left is shown before submitting, the API's problem on failure. */
export function CreateVmPage() {
  const client = useClient();
  const { whoami, projectId } = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const flavors = useFlavors();
  const images = useImages();
  const networks = useNetworks();
  const groups = useServerGroups();
  const keypairs = useKeypairs(projectId);
  const project = useProject(projectId);

  const [name, setName] = useState('');
  const [flavor, setFlavor] = useState<string | null>(null);
  const [image, setImage] = useState<string | null>(null);
  const [count, setCount] = useState<number>(1);
  const [nets, setNets] = useState<string[]>([]);
  const [keyNames, setKeyNames] = useState<string[]>([]);
  const [pasted, setPasted] = useState('');
  const [userData, setUserData] = useState('');
  const [ttl, setTtl] = useState('');
  const [ha, setHa] = useState<(typeof HA)[number]>('none');
  const [group, setGroup] = useState<string | null>(null);

  const chosenFlavor = flavors.data?.find((f) => f.name === flavor);
  const wanted = chosenFlavor ? request(chosenFlavor, count) : undefined;
  const over =
    project.data && wanted ? overQuota(quotaLeft(project.data.quota, project.data.usage), wanted) : ([] as string[]);
  const ttlSeconds = ttl.trim() ? parseDuration(ttl) : undefined;
  const ttlBad = !!ttl.trim() && ttlSeconds === undefined;

  const create = useMutation({
    mutationFn: () => {
      const sshKeys = [
        ...keyNames,
        ...pasted
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ];
      const body: CreateVm = {
        name: name.trim(),
        flavor: flavor!,
        image: image!,
        count,
        haPriority: ha,
        ...(nets.length ? { networks: nets } : {}),
        ...(sshKeys.length ? { sshKeys } : {}),
        ...(userData ? { userData } : {}),
        ...(ttlSeconds ? { ttlSeconds } : {}),
        ...(group ? { serverGroupId: group } : {}),
        ...(whoami?.global && projectId ? { projectId } : {}),
      };
      return client.POST('/v1/vms', { body }) as Promise<CreatedVms>;
    },
    onSuccess: async (created) => {
      await qc.invalidateQueries({ queryKey: keys.vmsAll });
      await qc.invalidateQueries({ queryKey: ['project'] });
      if (created.vms.length === 1) await navigate({ to: '/vms/$vmId', params: { vmId: created.vms[0]!.id } });
      else await navigate({ to: '/vms', search: { name: name.trim() } });
    },
  });

  const loadError = flavors.error ?? images.error ?? networks.error ?? groups.error ?? keypairs.error ?? project.error;
  return (
    <Stack>
      <Title order={1} size="h2">
        Create VMs
      </Title>
      <ProblemAlert error={loadError} title="What the form offers could not be read" />
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <form
            aria-label="Create VMs"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate();
            }}
          >
            <Stack>
              <TextInput
                label="Name"
                description={count > 1 ? `VMs are named ${name || 'name'}-1, -2, …` : undefined}
                required
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
              />
              <Group grow align="flex-start">
                <Select
                  label="Flavor"
                  required
                  searchable
                  data={(flavors.data ?? []).map((f) => ({
                    value: f.name,
                    label: `${f.name} (${f.vcpus} vCPU, ${f.memoryMb} MiB, ${f.diskGb} GiB)`,
                  }))}
                  value={flavor}
                  onChange={setFlavor}
                />
                <Select
                  label="Image"
                  required
                  searchable
                  data={(images.data ?? [])
                    .filter((i) => i.status === 'active')
                    .map((i) => ({ value: i.name, label: `${i.name} (${i.guestType})` }))}
                  value={image}
                  onChange={setImage}
                />
              </Group>
              <Group grow align="flex-start">
                <NumberInput
                  label="Count"
                  min={1}
                  max={100}
                  value={count}
                  onChange={(v) => setCount(typeof v === 'number' ? v : Number(v) || 1)}
                />
                <Select
                  label="HA priority"
                  data={[...HA]}
                  value={ha}
                  onChange={(v) => setHa((v as (typeof HA)[number]) ?? 'none')}
                  allowDeselect={false}
                />
                <TextInput
                  label="Time to live"
                  description="e.g. 2h, 30m, 1d; empty: none"
                  value={ttl}
                  onChange={(e) => setTtl(e.currentTarget.value)}
                  error={ttlBad ? 'a number of seconds, or with s, m, h or d' : undefined}
                />
              </Group>
              <MultiSelect
                label="Networks"
                description="One address on each, in this order; none chosen: the pool's default network"
                data={(networks.data ?? []).map((n) => ({ value: n.name, label: `${n.name} (${n.cidr})` }))}
                value={nets}
                onChange={setNets}
                searchable
              />
              <Select
                label="Server group"
                clearable
                data={(groups.data ?? []).map((g) => ({ value: g.id, label: `${g.name} (${g.policy})` }))}
                value={group}
                onChange={setGroup}
              />
              <MultiSelect
                label="SSH keys from the project's keypairs"
                data={(keypairs.data ?? []).map((k) => k.name)}
                value={keyNames}
                onChange={setKeyNames}
                searchable
              />
              <Textarea
                label="More SSH public keys"
                description="One OpenSSH public key a line"
                autosize
                minRows={2}
                styles={{ input: { fontFamily: 'monospace' } }}
                value={pasted}
                onChange={(e) => setPasted(e.currentTarget.value)}
              />
              <Textarea
                label="User-data"
                description="cloud-init user-data, passed to the guest as is (never shown back)"
                autosize
                minRows={3}
                styles={{ input: { fontFamily: 'monospace' } }}
                value={userData}
                onChange={(e) => setUserData(e.currentTarget.value)}
              />
              <ProblemAlert error={create.error} title="The VMs were not created" />
              <Group>
                <Button type="submit" loading={create.isPending} disabled={!name.trim() || !flavor || !image || ttlBad}>
                  Create {count > 1 ? `${count} VMs` : 'VM'}
                </Button>
              </Group>
            </Stack>
          </form>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" component="section" aria-labelledby="quota-heading">
            <Title order={2} size="h4" id="quota-heading" mb="sm">
              Quota {project.data ? `of ${project.data.name}` : ''}
            </Title>
            {project.data ? (
              <>
                <QuotaBars quota={project.data.quota} usage={project.data.usage} {...(wanted ? { wanted } : {})} />
                {over.length ? (
                  <Text c="red.9" size="sm" mt="sm" role="status">
                    Over quota: {over.join(', ')}. The API will refuse this request.
                  </Text>
                ) : wanted ? (
                  <Text size="sm" mt="sm" role="status">
                    Fits in what is left.
                  </Text>
                ) : null}
              </>
            ) : (
              <Text size="sm">{projectId ? 'Loading…' : 'Choose a project to see its quota.'}</Text>
            )}
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
