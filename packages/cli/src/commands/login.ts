import type { CliContext, ExitCode } from '../cli-context';
import { describeError } from '../cli-errors';
import { configDir } from '../config';
import { DOCKER_HUB_KEY, configFile, removeCredentials, saveCredentials, storedUsername } from '../credentials';
import { readLine, setEcho } from '../read-line';

function readStdin(ctx: CliContext): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    ctx.io.stdin.on('data', (c: Buffer) => (buf += c.toString()));
    ctx.io.stdin.on('end', () => resolve(buf.replace(/\r?\n$/, '')));
    ctx.io.stdin.on('error', reject);
  });
}

/** `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`: checks with `POST /auth`, stores in `<config>/config.json`. */
export async function login(ctx: CliContext, argv: { server?: string; username?: string; password?: string; passwordStdin?: boolean; config?: string }): Promise<ExitCode> {
  const server = argv.server || DOCKER_HUB_KEY;
  let password = argv.password;
  if (argv.passwordStdin) {
    if (argv.password) {
      ctx.io.stderr.write('--password and --password-stdin are mutually exclusive\n');
      return 1;
    }
    if (!argv.username) {
      ctx.io.stderr.write('Must provide --username with --password-stdin\n');
      return 1;
    }
    password = await readStdin(ctx);
  } else if (password !== undefined) {
    ctx.io.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  let username = argv.username;
  if (!username || password === undefined) {
    if (!ctx.io.stdin.isTTY) {
      ctx.io.stderr.write('Error: Cannot perform an interactive login from a non TTY device\n');
      return 1;
    }
    // docker's PromptUserForCredentials: the username (the stored one as default), then the password unechoed
    if (!username) {
      const stored = storedUsername(configDir({ config: argv.config }, ctx.env), server);
      ctx.io.stdout.write(stored ? `Username (${stored}): ` : 'Username: ');
      username = (await readLine(ctx.io)).trim() || stored;
      if (!username) {
        ctx.io.stderr.write('Error: Non-null Username Required\n');
        return 1;
      }
    }
    if (!password) {
      setEcho(false);
      try {
        ctx.io.stdout.write('Password: ');
        password = (await readLine(ctx.io)).trim();
      } finally {
        setEcho(true);
      }
      ctx.io.stdout.write('\n');
      if (!password) {
        ctx.io.stderr.write('Error: Password Required\n');
        return 1;
      }
    }
  }
  try {
    const r = await ctx.client('general').system.auth({ username, password, serveraddress: server });
    const dir = configDir({ config: argv.config }, ctx.env);
    saveCredentials(dir, server, username, password);
    ctx.io.stderr.write(
      `\nWARNING! Your credentials are stored unencrypted in '${configFile(dir)}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`,
    );
    ctx.io.stdout.write(`${r?.Status || 'Login Succeeded'}\n`);
    return 0;
  } catch (e) {
    ctx.io.stderr.write(`${describeError(e)}\n`);
    return 1;
  }
}

/** `berth logout [SERVER]`: no daemon call, like docker. */
export async function logout(ctx: CliContext, argv: { server?: string; config?: string }): Promise<ExitCode> {
  const server = argv.server || DOCKER_HUB_KEY;
  const dir = configDir({ config: argv.config }, ctx.env);
  if (!removeCredentials(dir, server)) {
    ctx.io.stdout.write(`Not logged in to ${server}\n`);
    return 0;
  }
  ctx.io.stdout.write(`Removing login credentials for ${server}\n`);
  return 0;
}
