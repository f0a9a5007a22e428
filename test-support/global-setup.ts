import { stackEnv } from './stack-env';

/** Fail fast, with the fix, when the stores are not running. */
export default async function globalSetup(): Promise<void> {
  const env = stackEnv();
  const missing = ['POSTGRES_ADMIN_URL', 'MONGO_URL'].filter((k) => !env[k]);
  if (missing.length) {
    throw new Error(
      `missing ${missing.join(', ')}: start the stores first with \`scripts/stack up\` (or run scripts/test)`,
    );
  }
}
