import { Injectable } from '@nestjs/common';
import { KeypairRepository, ProjectRepository } from '@xenplane/db';
import { parseSshPublicKey } from '@xenplane/domain';
import { canSeeProject, type Principal } from '../common/auth/principal';
import { invalid, notFound } from '../common/errors/api-errors';
import { uniquely } from '../common/http/unique';
import { readPage } from '../common/http/cursor';
import type { NamedPageQuery } from '../common/http/page-query';
import type { Page } from '../common/http/page-view';
import { type CreateKeypairDto, type KeypairView, presentKeypair } from './keypair.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A project's keypairs: named OpenSSH public keys that POST /v1/vms `sshKeys` names. Who may
 * call is the role matrix's; another project's answer 404, as if the project did not exist.
 * A VM copies the key when it is created: deleting or replacing a keypair changes no VM.
 */
@Injectable()
export class KeypairsService {
  constructor(
    private readonly projects: ProjectRepository,
    private readonly keypairs: KeypairRepository,
  ) {}

  async create(principal: Principal, projectId: string, dto: CreateKeypairDto): Promise<KeypairView> {
    await this.ensureVisible(principal, projectId);
    const parsed = parseSshPublicKey(dto.publicKey);
    if ('refusal' in parsed) throw invalid('publicKey', parsed.refusal);
    const keypair = await uniquely(`keypair name ${dto.name}`, () =>
      this.keypairs.create({
        projectId,
        name: dto.name,
        publicKey: parsed.key.line,
        fingerprint: parsed.key.fingerprint,
      }),
    );
    return presentKeypair(keypair);
  }

  async list(principal: Principal, projectId: string, q: NamedPageQuery): Promise<Page<KeypairView>> {
    await this.ensureVisible(principal, projectId);
    const filter = q.name !== undefined ? { name: q.name } : {};
    return readPage(
      q,
      (after, take) => this.keypairs.listPage(projectId, filter, after, take),
      (rows) => rows.map(presentKeypair),
    );
  }

  /** By id or by name (names are unique in a project). */
  async delete(principal: Principal, projectId: string, ref: string): Promise<void> {
    await this.ensureVisible(principal, projectId);
    const deleted = await this.keypairs.delete(projectId, UUID.test(ref) ? { id: ref } : { name: ref });
    if (!deleted) throw notFound('keypair', ref);
  }

  private async ensureVisible(principal: Principal, projectId: string): Promise<void> {
    if (!canSeeProject(principal, projectId) || !(await this.projects.find(projectId))) {
      throw notFound('project', projectId);
    }
  }
}
