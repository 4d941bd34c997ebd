/** Fixed sample values the rendered statements are shown with (libs/db/queries): the same on every run. */
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const ID = {
  project: uuid(1),
  otherProject: uuid(2),
  pool: uuid(3),
  host: uuid(10),
  otherHost: uuid(11),
  vm: uuid(20),
  otherVm: uuid(21),
  op: uuid(30),
  otherOp: uuid(31),
  group: uuid(40),
  user: uuid(50),
  flavor: uuid(60),
  image: uuid(61),
  network: uuid(70),
};

export const NOW = new Date('2026-01-01T00:00:00.000Z');

export const VM = {
  id: ID.vm,
  projectId: ID.project,
  hostId: ID.host,
  state: 'running' as const,
  vcpus: 2,
  memoryMb: 2048,
  diskGb: 20,
};
export const OTHER_VM = {
  ...VM,
  id: ID.otherVm,
  projectId: ID.otherProject,
  hostId: ID.otherHost,
  vcpus: 1,
  memoryMb: 512,
  diskGb: 5,
};
export const OP = { id: ID.op, projectId: ID.project, kind: 'create' as const, progress: 40 };
export const OTHER_OP = { ...OP, id: ID.otherOp, projectId: ID.otherProject };
