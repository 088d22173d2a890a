// Entry of the integration tests that run inside a real VS Code extension host (loaded like `--extensionTestsPath`:
// it must export run()). Host-agnostic: the offline code-server runner (test/vscode/runTests.mjs) starts it here;
// @vscode/test-electron would start it the same way on a desktop VS Code.
import Mocha from 'mocha';
import { defineExtensionTests } from './extension.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'agent-meter', mocha);
  defineExtensionTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      const stats = mocha.suite.total();
      console.log(`integration: ${stats} tests, ${failures} failed`);
      // An empty or broken suite must not look green.
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else if (stats === 0) reject(new Error('no integration tests ran'));
      else resolve();
    });
  });
}
