import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Db, hostStateEvent, recordEvents } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { ApiError, invalid, unauthorized } from '../common/errors/api-errors';
import { hashSecret, newSecret } from '@xenplane/domain';
import { uniquely } from '../common/http/unique';
import { API_CONFIG, type ApiConfig } from '../config';
import { DB } from '@xenplane/db';
import { ControlPlaneCa } from '../infra/pki.module';
import type { CreateEnrollmentTokenDto, EnrolledHostView, EnrollHostDto, EnrollmentTokenView } from './host.dto';

/**
 * Hosts join with a one-time token an operator made, and leave with a certificate from the
 * control plane's CA: from then on agent and control plane only talk mutual TLS.
 */
@Injectable()
export class EnrollmentService {
  private readonly log = getLogger('enrollment');

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly ca: ControlPlaneCa,
  ) {}

  async createToken(createdBy: string, dto: CreateEnrollmentTokenDto): Promise<EnrollmentTokenView> {
    if (!(await this.db.pool.findUnique({ where: { id: dto.poolId } }))) throw invalid('poolId', 'no such pool');
    const secret = newSecret('xpe');
    const minutes = dto.ttlMinutes ?? this.config.ENROLLMENT_TOKEN_TTL_MINUTES;
    const row = await this.db.enrollmentToken.create({
      data: {
        tokenHash: hashSecret(secret),
        poolId: dto.poolId,
        hostName: dto.hostName ?? null,
        createdBy,
        expiresAt: new Date(Date.now() + minutes * 60_000),
      },
    });
    return { id: row.id, token: secret, poolId: row.poolId, expiresAt: row.expiresAt.toISOString() };
  }

  /** Spends the token and signs the agent's CSR, atomically: a bad CSR leaves the token unspent. */
  async enroll(dto: EnrollHostDto): Promise<EnrolledHostView> {
    const ca = await this.ca.get();
    const hostId = randomUUID();
    const result = await uniquely(`host name ${dto.name}`, () =>
      this.db.$transaction(async (tx) => {
        const spent = await tx.enrollmentToken.updateManyAndReturn({
          where: { tokenHash: hashSecret(dto.token), usedAt: null, expiresAt: { gt: new Date() } },
          data: { usedAt: new Date(), hostId },
        });
        const token = spent[0];
        if (!token) throw unauthorized('the enrollment token is unknown, used or expired');
        if (token.hostName && token.hostName !== dto.name) throw unauthorized(`the enrollment token is for host ${token.hostName}`);
        const cert = await ca.signHostCsr(dto.csrPem, { hostId, address: dto.address }).catch((err: Error) => {
          throw new ApiError('validation_failed', `csrPem: ${err.message}`, [{ field: 'csrPem', message: err.message }]);
        });
        const host = await tx.host.create({
          data: {
            id: hostId,
            name: dto.name,
            poolId: token.poolId,
            address: dto.address,
            certSerial: cert.serial,
            certFingerprint: cert.fingerprint,
            enrolledAt: new Date(),
          },
        });
        await recordEvents(tx, [hostStateEvent(host)]);
        return { hostId, poolId: token.poolId, certificatePem: cert.certPem, caCertificatePem: ca.caCertPem };
      }),
    );
    this.log.info({ hostId, name: dto.name, address: dto.address }, 'host enrolled');
    return result;
  }
}
