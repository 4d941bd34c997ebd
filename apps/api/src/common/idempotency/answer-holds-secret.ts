import { SetMetadata } from '@nestjs/common';

export const SECRET_ANSWER_FIELDS = 'xenplane:secret-answer-fields';

/**
 * The answer's fields that hold a secret shown once (a new token's): an Idempotency-Key keeps
 * the answer without them, so no secret is stored in the keys' table.
 */
export const AnswerHoldsSecret = (...fields: string[]) => SetMetadata(SECRET_ANSWER_FIELDS, fields);
