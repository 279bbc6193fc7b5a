// A DAP client for the adapter's tests, on either of the two ways the adapter runs: the stand-alone bundle
// (dist/debugAdapter.js over stdio, as another editor's DAP client runs it) or an IoreqDebugSession in this process
// over a loopback socket, the way the extension runs it (an inline adapter, src/extension/debugging.ts). In process,
// the session's and the runtime's code is this process's own, so coverage and mutation testing see it.
import * as net from 'net';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { IoreqDebugSession } from '../../src/debug/session';

const ADAPTER = path.join(__dirname, '../../..', 'dist', 'debugAdapter.js');

export type AdapterKind = 'dist' | 'in-process';

/** A started client; stop() disconnects it and, in process, closes the loopback server. */
export async function startClient(kind: AdapterKind): Promise<DebugClient> {
  if (kind === 'dist') {
    const dc = new DebugClient('node', ADAPTER, 'ioreq-scope');
    await dc.start();
    return dc;
  }
  const server = net.createServer((socket) => {
    const s = new IoreqDebugSession();
    s.setRunAsServer(true);
    s.start(socket, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dc = new DebugClient('node', ADAPTER, 'ioreq-scope');
  const stop = dc.stop.bind(dc);
  dc.stop = async () => { await stop(); await new Promise<void>((resolve) => server.close(() => resolve())); };
  await dc.start((server.address() as net.AddressInfo).port);
  return dc;
}
