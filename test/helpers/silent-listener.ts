import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

/**
 * A TCP port on 127.0.0.1 whose handshakes never complete: a listener with a backlog of 0 that
 * never accepts, its one queue slot taken by a filler connection, so the kernel drops further SYNs
 * and a client's connect hangs exactly as it does towards a host behind a dropping firewall.
 * Node always accepts, so the listener is a short python3 process. Torn down when the test ends.
 */
export async function useSilentPort(): Promise<number> {
  const child = spawn(
    'python3',
    ['-c', "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()"],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (text: string) => resolve(Number.parseInt(text, 10)));
  });
  const filler: Socket = connect({ host: '127.0.0.1', port });
  onTestFinished(() => {
    filler.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    filler.once('connect', resolve);
    filler.once('error', reject);
  });
  return port;
}
