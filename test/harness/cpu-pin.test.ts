import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { allowedCpus, threadIds } from '../../common/cpu-pin';
import { separateCpus, startMockProcess } from '../helpers/mock-process';

const BIN = join(__dirname, '..', '..', 'bin', 'tokenbench.js');
const CPU_PIN = join(__dirname, '..', '..', 'dist', 'common', 'cpu-pin.js');
const canPin = separateCpus() !== undefined;

(canPin ? test : test.skip)('--pin-cpu leaves the event loop alone on its CPU and every helper thread on the others, pinned once or again', () => {
  // A fresh process, so that pinning does not touch jest's own threads.
  const script = `
    const { pinEventLoopThread, allowedCpus, threadIds } = require(${JSON.stringify(CPU_PIN)});
    const before = allowedCpus(process.pid);
    // Twice, as a sweep pins again for each point.
    pinEventLoopThread(before[0]).then(() => pinEventLoopThread(before[0])).then((pinned) => {
      const helpers = threadIds(process.pid).filter((tid) => tid !== process.pid);
      console.log(JSON.stringify({ before, pinned, loop: allowedCpus(process.pid), helpers: helpers.map(allowedCpus) }));
    });`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  const { before, pinned, loop, helpers } = JSON.parse(child.stdout);
  expect(pinned.eventLoopCpu).toBe(before[0]);
  expect(loop).toEqual([before[0]]);
  expect(pinned.helperCpus).toEqual(before.slice(1));
  // V8's platform workers and libuv's pool (started before pinning) are all moved off the loop's CPU.
  expect(helpers.length).toBeGreaterThanOrEqual(4 + 1);
  for (const cpus of helpers) expect(cpus).toEqual(before.slice(1));
});

test('--pin-cpu with a CPU this process may not use is a clear error before anything is sent', () => {
  const cli = spawnSync(process.execPath, [BIN, 'run', '--target', 'http://127.0.0.1:9/v1', '--model', 'm', '--pin-cpu', '4096', '--requests', '1'], { encoding: 'utf8' });
  expect(cli.status).not.toBe(0);
  expect(cli.stderr).toMatch(process.platform === 'linux' ? /--pin-cpu 4096: this process may run on CPUs [0-9,]+/ : /--pin-cpu needs Linux/);
});

(canPin ? test : test.skip)('serve --pin-cpu gives the server its own CPU for the event loop and still serves', async () => {
  const usable = allowedCpus(process.pid);
  const loopCpu = usable[usable.length - 1];
  const mock = await startMockProcess(['--profile', 'instant', '--pin-cpu', String(loopCpu)]);
  try {
    const pid = mock.child.pid!;
    expect(allowedCpus(pid)).toEqual([loopCpu]);
    const helpers = threadIds(pid).filter((tid) => tid !== pid);
    for (const tid of helpers) expect(allowedCpus(tid)).toEqual(usable.filter((cpu) => cpu !== loopCpu));
    const response = await fetch(`${mock.url}/health`);
    expect(response.status).toBe(200);
  } finally {
    await mock.close();
  }
});
