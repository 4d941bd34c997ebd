import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { type CertificateAuthority, loadOrCreateCa } from '@xenplane/pki';
import { API_CONFIG, type ApiConfig } from '../config';

/** The control plane's CA, loaded (or made, on first start) from the PKI directory. */
@Injectable()
export class ControlPlaneCa {
  private ca?: Promise<CertificateAuthority>;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  get(): Promise<CertificateAuthority> {
    this.ca ??= loadOrCreateCa(this.config.XENPLANE_PKI_DIR);
    return this.ca;
  }
}

@Global()
@Module({ providers: [ControlPlaneCa], exports: [ControlPlaneCa] })
export class PkiModule {}
