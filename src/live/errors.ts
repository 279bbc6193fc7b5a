// The live layer's errors: one class, a kind per failure the user can act on, and a message that says what to do.

export type LiveErrorKind =
  | 'bad-host'            // the host alias is refused before anything runs
  | 'bad-option'          // an ssh option outside the allow-list, or a bad value
  | 'ssh-missing'         // the ssh binary could not be started
  | 'connection-refused'
  | 'host-busy'           // sshd dropped the connection before the handshake (MaxStartups); retried
  | 'unresolved-host'
  | 'unknown-host-key'
  | 'changed-host-key'
  | 'auth-failed'
  | 'timeout'             // ConnectTimeout, or our hard time limit
  | 'dropped'             // the connection ended mid-transfer
  | 'output-too-large'
  | 'helper-failed'       // the helper ran and failed, or printed a document that does not parse
  | 'cancelled'
  | 'ssh-failed';         // anything else ssh reports (exit 255)

export class LiveError extends Error {
  constructor(public readonly kind: LiveErrorKind, message: string, public readonly detail?: string) {
    super(message);
    this.name = 'LiveError';
  }
}
