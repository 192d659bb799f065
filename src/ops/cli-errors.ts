/** A mistake the command's user can fix; its message is the whole line they read, saying what to do. */
export class CliError extends Error {}

const SYSTEM_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'the disk is full',
  EROFS: 'the file system is read-only',
  EEXIST: 'it exists already',
};

/**
 * An error as the one line a command prints (after "registry: "), never a
 * stack: a file the system refused is named with the reason in words.
 */
export function oneLine(error: unknown): string {
  const failed = error as { code?: string; path?: string; syscall?: string; message?: string; port?: number; address?: string };
  if (failed?.code === 'EADDRINUSE') return `port ${failed.port} on ${failed.address} is in use by another process; stop it, or set PORT to another port (0 picks a free one)`;
  if (failed?.code && failed.path && SYSTEM_REASONS[failed.code]) {
    const verb = failed.syscall === 'open' || failed.syscall === 'stat' ? 'use' : (failed.syscall ?? 'use');
    return `cannot ${verb} ${failed.path}: ${SYSTEM_REASONS[failed.code]}`;
  }
  const message = String(failed?.message ?? error);
  return message.split('\n')[0];
}
