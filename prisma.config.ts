// Prisma 7 reads its settings here. Only `prisma generate` is used offline; the URL matters
// to `prisma migrate deploy` on a connected machine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/xenplane' },
});
