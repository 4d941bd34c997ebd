import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EnrollmentRepository, PoolRepository } from '@xenplane/db';
import { getLogger } from '@xenplane/observability';
import { ApiError, invalid, unauthorized } from '../common/errors/api-errors';
import { hashSecret, newSecret } from '@xenplane/domain';
import { uniquely } from '../common/http/unique';
import { API_CONFIG, type ApiConfig } from '../config';
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
    private readonly pools: PoolRepository,
    private readonly enrollments: EnrollmentRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly ca: ControlPlaneCa,
  ) {}

  async createToken(createdBy: string, dto: CreateEnrollmentTokenDto): Promise<EnrollmentTokenView> {
    if (!(await this.pools.exists(dto.poolId))) throw invalid('poolId', 'no such pool');
    const secret = newSecret('xpe');
    const minutes = dto.ttlMinutes ?? this.config.ENROLLMENT_TOKEN_TTL_MINUTES;
    const row = await this.enrollments.createToken({
      tokenHash: hashSecret(secret),
      poolId: dto.poolId,
      hostName: dto.hostName ?? null,
      createdBy,
      expiresAt: new Date(Date.now() + minutes * 60_000),
    });
    return { id: row.id, token: secret, poolId: row.poolId, expiresAt: row.expiresAt.toISOString() };
  }

  /** Spends the token and signs the agent's CSR, atomically: a bad CSR leaves the token unspent. */
  async enroll(dto: EnrollHostDto): Promise<EnrolledHostView> {
    const ca = await this.ca.get();
    const hostId = randomUUID();
    let certificatePem = '';
    // the token is spent, the CSR signed and the host created in one transaction: a refusal here spends nothing
    const { token } = await uniquely(`host name ${dto.name}`, () =>
      this.enrollments.enroll(hashSecret(dto.token), hostId, async (token) => {
        if (!token) throw unauthorized('the enrollment token is unknown, used or expired');
        if (token.hostName && token.hostName !== dto.name)
          throw unauthorized(`the enrollment token is for host ${token.hostName}`);
        const cert = await ca.signHostCsr(dto.csrPem, { hostId, address: dto.address }).catch((err: Error) => {
          throw new ApiError('validation_failed', `csrPem: ${err.message}`, [
            { field: 'csrPem', message: err.message },
          ]);
        });
        certificatePem = cert.certPem;
        return {
          name: dto.name,
          address: dto.address,
          certSerial: cert.serial,
          certFingerprint: cert.fingerprint,
          certExpiresAt: cert.notAfter,
          enrolledAt: new Date(),
        };
      }),
    );
    const result = { hostId, poolId: token.poolId, certificatePem, caCertificatePem: ca.caCertPem };
    this.log.info({ hostId, name: dto.name, address: dto.address }, 'host enrolled');
    return result;
  }
}
