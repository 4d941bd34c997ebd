import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import type { Keypair } from '@xenplane/db';
import { KEYPAIR_NAME, MAX_SSH_KEY_LENGTH, SSH_KEY_TYPES } from '@xenplane/domain';

export class CreateKeypairDto {
  @ApiProperty({ example: 'ci-key', pattern: KEYPAIR_NAME.source, description: 'Unique in the project' })
  @IsString()
  @Matches(KEYPAIR_NAME, {
    message: 'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit',
  })
  name!: string;

  @ApiProperty({
    maxLength: MAX_SSH_KEY_LENGTH,
    example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice@laptop',
    description: `One OpenSSH public key line: ${SSH_KEY_TYPES.join(', ')} (rsa of 2048 bits or more), its base64 key, an optional comment`,
  })
  @IsString()
  @MaxLength(MAX_SSH_KEY_LENGTH)
  publicKey!: string;
}

export class KeypairView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: SSH_KEY_TYPES }) type!: string;
  @ApiProperty({ description: 'As stored: type, base64 key and comment, single-spaced' }) publicKey!: string;
  @ApiProperty({
    example: 'SHA256:gwDPopIDqDiftZA3nnqquH0LoXrpw5RK+c/nUzpJc0Y',
    description: 'As ssh-keygen -l shows it',
  })
  fingerprint!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function presentKeypair(k: Keypair): KeypairView {
  return {
    id: k.id,
    projectId: k.projectId,
    name: k.name,
    type: k.publicKey.split(' ')[0]!,
    publicKey: k.publicKey,
    fingerprint: k.fingerprint,
    createdAt: k.createdAt.toISOString(),
  };
}
