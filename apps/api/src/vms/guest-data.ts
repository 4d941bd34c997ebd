import type { KeypairRepository } from '@xenplane/db';
import { keypairNamesIn, resolveSshKeys, userDataRefusal } from '@xenplane/domain';
import { invalid } from '../common/errors/api-errors';
import type { CreateVmDto } from './dto/create-vm.dto';

/** What a new VM's guest gets through its config drive, besides its id and name. */
export interface GuestData {
  userData: string | null;
  /** OpenSSH public key lines: literal keys and the project's keypairs, resolved now */
  sshKeys: string[];
}

/**
 * The user-data and SSH keys a create request gives its VMs, checked (libs/domain): a refusal
 * is a 400 naming the field (`userData`, `sshKeys[i]`) before anything is written. Keypairs are
 * looked up in the VM's project only: another project's keypair is "no keypair named ...", as
 * if it did not exist. The user-data is never part of a message.
 */
export async function guestDataOf(
  keypairs: KeypairRepository,
  projectId: string,
  dto: Pick<CreateVmDto, 'userData' | 'sshKeys'>,
): Promise<GuestData> {
  const tooBig = dto.userData === undefined ? undefined : userDataRefusal(dto.userData);
  if (tooBig) throw invalid('userData', tooBig);
  const entries = dto.sshKeys ?? [];
  const found = await keypairs.findByNames(projectId, keypairNamesIn(entries));
  const resolved = resolveSshKeys(entries, found);
  if ('field' in resolved) throw invalid(resolved.field, resolved.message);
  return { userData: dto.userData ?? null, sshKeys: resolved.keys };
}
