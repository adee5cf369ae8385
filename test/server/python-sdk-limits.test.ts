import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startMock } from '../helpers/mock-server';
import type { RunningServer } from '../../server';

// What Python's openai package does with an answer cut by its limit, against the mock as against
// OpenAI (which ends such a chat stream with finish_reason "length" and such a Responses stream with
// `response.incomplete`): its chat stream helper raises LengthFinishReasonError, and openai 3.22's
// responses.stream(...).get_final_response() raises for want of `response.completed` (the Node SDK
// accepts `response.incomplete`; openai-python PR #3538 would too). The mock sends what OpenAI sends.
const run = promisify(execFile);
const python = process.env.TOKENBENCH_PYTHON ?? 'python3';
const haveOpenai = spawnSync(python, ['-c', 'import openai'], { stdio: 'ignore' }).status === 0;

let mock: RunningServer;
beforeAll(async () => {
  mock = await startMock({ profiles: ['instant'] });
});
afterAll(() => mock.close());

const SCRIPT = `
import sys
from openai import OpenAI
c = OpenAI(base_url=sys.argv[1], api_key="x")
try:
    with c.chat.completions.stream(model="instant-model", messages=[{"role": "user", "content": "hi"}], max_tokens=3) as s:
        for _ in s: pass
        print("chat:", s.get_final_completion().choices[0].finish_reason)
except Exception as e:
    print("chat raised:", type(e).__name__)
with c.responses.stream(model="instant-model", input="hi", max_output_tokens=3) as s:
    events = [event.type for event in s]
print("responses last event:", events[-1])
r = c.responses.create(model="instant-model", input="hi", max_output_tokens=3)
print("responses status:", r.status, r.incomplete_details.reason)
`;

(haveOpenai ? test : test.skip)("Python's openai sees a cut answer as it would from OpenAI: length on chat, response.incomplete on Responses", async () => {
  const { stdout } = await run(python, ['-c', SCRIPT, mock.baseURL]);
  expect(stdout).toContain('chat raised: LengthFinishReasonError');
  expect(stdout).toContain('responses last event: response.incomplete');
  expect(stdout).toContain('responses status: incomplete max_output_tokens');
});
