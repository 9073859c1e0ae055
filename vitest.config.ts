import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (workspace: string) => fileURLToPath(new URL(`./${workspace}/src`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@spoor\/(protocol|models|device|cloud|native|provisioning)$/, replacement: `${src('$1')}/index.ts` },
      { find: /^@spoor\/models\/testing$/, replacement: `${src('models')}/testing/index.ts` },
      { find: /^@spoor\/(protocol|models|device|cloud|native|provisioning)\/(.*)$/, replacement: `${src('$1')}/$2.ts` },
    ],
  },
  test: {
    include: ['*/src/**/*.test.ts', '*/test/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
