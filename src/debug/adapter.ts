// The stand-alone adapter (dist/debugAdapter.js): DAP over stdin/stdout, for tests and for other editors' DAP clients.
import { DebugSession } from '@vscode/debugadapter';
import { IoreqDebugSession } from './session';

DebugSession.run(IoreqDebugSession);
