export default {
  test: { include: ["vitest/**/*.test.mjs"], testTimeout: 30000, hookTimeout: 30000 },
};
