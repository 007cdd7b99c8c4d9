#!/usr/bin/env node
// What the test suite needs beyond Node.js and npm. `npm test` runs this first:
// when something is missing it is installed with apt-get (as root on Debian or
// Ubuntu), otherwise the run stops at once with the exact command to type.
//
//   redis-server, redis-cli  every Redis test starts its own servers on free ports
//   chromium                 the chat page is tested in headless Chromium (playwright-core)
//   tmux                     the CLI's `top` is tested on a real terminal screen
//   openssl                  the TLS test makes a throwaway CA and server certificate
//   python3-redis, -msgpack  examples/python-worker is a worker in Python
//
// Environment: STREAMERSON_TEST_INSTALL=0 never installs (only reports);
// STREAMERSON_CHROMIUM and STREAMERSON_PYTHON name the browser and the Python
// interpreter the tests use (defaults below).
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** The browser the tests drive: STREAMERSON_CHROMIUM, else the first of these that exists. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name, env) {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));
}

/** The Chromium binary the browser tests use, or undefined when there is none. */
export function chromiumPath(env = process.env) {
  if (env.STREAMERSON_CHROMIUM !== undefined) return executable(env.STREAMERSON_CHROMIUM) ? env.STREAMERSON_CHROMIUM : undefined;
  return CHROMIUM_CANDIDATES.find(executable);
}

/** The Python interpreter of the Python worker's test: the system one, where apt-get installs redis-py. */
export function pythonPath(env = process.env) {
  return env.STREAMERSON_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

function ubuntu() {
  try {
    return /^ID=ubuntu$/m.test(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

/** Each need: a check, and the Debian/Ubuntu packages that satisfy it. */
export function needs(env = process.env) {
  return [
    { name: 'redis-server and redis-cli', ok: () => onPath('redis-server', env) && onPath('redis-cli', env), packages: ['redis-server'] },
    // Ubuntu's Chromium comes as chromium-browser (a snap); Debian's is chromium.
    { name: 'chromium', ok: () => chromiumPath(env) !== undefined, packages: [ubuntu() ? 'chromium-browser' : 'chromium'] },
    { name: 'tmux', ok: () => onPath('tmux', env), packages: ['tmux'] },
    { name: 'openssl', ok: () => onPath('openssl', env), packages: ['openssl'] },
    {
      name: 'python3 with redis and msgpack',
      ok: () => spawnSync(pythonPath(env), ['-c', 'import redis, msgpack'], { env, stdio: 'ignore' }).status === 0,
      packages: ['python3-redis', 'python3-msgpack'],
    },
  ];
}

/** The packages missing now. */
export function missingPackages(env = process.env) {
  return needs(env)
    .filter((n) => !n.ok())
    .flatMap((n) => n.packages);
}

function run(command, args, env) {
  console.error(`prerequisites: ${[command, ...args].join(' ')}`);
  return spawnSync(command, args, { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

/**
 * The command that installs `packages` on a fresh Debian or Ubuntu, whose
 * package lists are empty until the first update; with sudo when not root.
 */
export function installCommand(packages, uid = process.getuid?.()) {
  const sudo = uid === 0 ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y ${packages.join(' ')}`;
}

/**
 * Installs what is missing when allowed and possible, then checks again.
 * Returns the exit status: 0 when everything is there.
 */
export function ensurePrerequisites(env = process.env) {
  const missing = missingPackages(env);
  if (missing.length === 0) return 0;
  const install = ['install', '-y', '-qq', ...missing];
  const canInstall = env.STREAMERSON_TEST_INSTALL !== '0' && process.getuid?.() === 0 && onPath('apt-get', env);
  if (canInstall) {
    console.error(`prerequisites: installing ${missing.join(' ')}`);
    if (run('apt-get', ['update', '-qq'], env) && run('apt-get', install, env)) {
      const still = missingPackages(env);
      if (still.length === 0) return 0;
      console.error(`prerequisites: still missing after apt-get: ${still.join(' ')}`);
      return 1;
    }
    console.error('prerequisites: apt-get failed (see above)');
    return 1;
  }
  console.error(
    `The tests need packages that are missing: ${missing.join(' ')}.\n` +
      `Install them, then run npm test again:\n\n  ${installCommand(missing)}\n\n` +
      '(On other systems: Redis >= 7 with redis-cli, Chromium (set STREAMERSON_CHROMIUM to its path), tmux, openssl, ' +
      'and a python3 with the redis and msgpack modules (set STREAMERSON_PYTHON).)',
  );
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(ensurePrerequisites());
