/** Jest: one SecantusDB server per worker (README's global-setup/teardown). */
module.exports = {
  testEnvironment: "node",
  globalSetup: "./jest/global-setup.cjs",
  globalTeardown: "./jest/global-teardown.cjs",
  testMatch: ["<rootDir>/jest/**/*.test.cjs"],
  maxWorkers: 2,
  testTimeout: 30000,
};
