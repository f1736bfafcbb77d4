import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql for everything a test loads: Apollo's schema tools reach it through CommonJS, and
    // graphql refuses types built by another copy of itself ("from another module or realm").
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one fewer than the cores: one test file at a time on CI's 2 cores, while
    // most files wait on child processes, sockets and Redis. Two at a time.
    maxWorkers: 2,
  },
});
