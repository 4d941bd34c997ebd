import type { components } from './generated/openapi';

/** The API's main shapes under short names (docs/openapi.json's components). */
type Schemas = components['schemas'];
export type Vm = Schemas['VmView'];
export type VmState = Vm['state'];
export type VmPage = Schemas['VmPage'];
export type CreateVm = Schemas['CreateVmDto'];
export type CreatedVms = Schemas['CreateVmsView'];
export type UpdateVm = Schemas['UpdateVmDto'];
export type VmAction = Schemas['VmActionDto'];
export type Operation = Schemas['OperationView'];
export type OperationStatus = Operation['status'];
export type OperationPage = Schemas['OperationPage'];
export type OperationTimeline = Schemas['OperationTimelineView'];
export type Host = Schemas['HostView'];
export type Pool = Schemas['PoolView'];
export type Flavor = Schemas['FlavorView'];
export type Image = Schemas['ImageView'];
export type Network = Schemas['NetworkView'];
export type Keypair = Schemas['KeypairView'];
export type ServerGroup = Schemas['ServerGroupView'];
export type Snapshot = Schemas['SnapshotView'];
export type Project = Schemas['ProjectView'];
export type Token = Schemas['TokenView'];
export type CreatedToken = Schemas['CreatedTokenView'];
export type AuditEntry = Schemas['AuditEntryView'];
export type Whoami = Schemas['WhoamiView'];
export type DryRun = Schemas['DryRunView'];
