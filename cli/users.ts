/**
 * `spansift users hash` and `spansift users token`: what goes into the `users` section, so
 * that no password or token is ever written into the config in plain.
 */
import { hashPassword, newApiToken } from '../ui-lite/auth/passwords.js';

/** Reads a password: the whole of stdin when piped, or typed without echo at a terminal. */
async function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  process.stderr.write('Password: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          stdin.pause();
          process.stderr.write('\n');
          return resolve(typed);
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          return reject(new Error('interrupted'));
        }
        if (ch === '\u007f') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function usersCommand(sub: string | undefined, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (sub === 'hash') {
    const password = await readPassword();
    if (password.length === 0) {
      err('spansift: no password on stdin (echo -n "..." | spansift users hash, or type it at the prompt)');
      return 1;
    }
    out(await hashPassword(password));
    return 0;
  }
  if (sub === 'token') {
    const { token, digest } = newApiToken();
    out(`token:  ${token}`);
    out(`digest: ${digest}`);
    err('Give the token to the script that uses it (Authorization: Bearer <token>); it is not shown again.');
    err('Put the digest in the config under users.<name>.api_tokens.');
    return 0;
  }
  err(`spansift: users needs "hash" or "token"`);
  return 2;
}
