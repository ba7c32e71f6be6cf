import { expect, it, onTestFinished } from 'vitest';
import { SystemClock } from '../../hal/clock.js';
import { askForRstack, runDoctor } from '../../src/cli/doctor.js';
import { describeHil, hilTarget, openRadio } from './hil-env.js';

/** The transport and ASH reset against the radio on HIL_PORT. EZSP suites add their own files here. */
describeHil('HIL: transport and ASH reset', () => {
  const clock = new SystemClock();

  it('opens the port with the target settings', async () => {
    const radio = await openRadio(await hilTarget());
    onTestFinished(() => radio.close());
    expect(radio.isOpen).toBe(true);
  });

  it('answers RST with RSTACK, ASH version 2', async () => {
    const radio = await openRadio(await hilTarget());
    onTestFinished(() => radio.close());
    const reply = await askForRstack(radio, { timeoutMs: 5000, clock });
    expect(reply).toMatchObject({ kind: 'RSTACK', version: 2 });
  });

  it('answers RST again after each reset, three times over', async () => {
    const radio = await openRadio(await hilTarget());
    onTestFinished(() => radio.close());
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await askForRstack(radio, { timeoutMs: 5000, clock })).kind);
    expect(replies).toEqual(['RSTACK', 'RSTACK', 'RSTACK']);
  });

  it('can be closed and reopened, and still answers', async () => {
    const target = await hilTarget();
    const first = await openRadio(target);
    await first.close();
    const second = await openRadio(target);
    onTestFinished(() => second.close());
    expect((await askForRstack(second, { timeoutMs: 5000, clock })).kind).toBe('RSTACK');
  });

  it('passes hub doctor', async () => {
    const target = await hilTarget();
    const report = await runDoctor({
      port: target.port,
      board: target.board?.name,
      baud: target.options.baudRate,
      flow: target.options.flowControl,
      timeoutMs: 5000,
    });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
  });
});
