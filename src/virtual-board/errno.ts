// Error numbers. The WebAssembly build's C library and file system use Emscripten's
// numbering (WASI's: ENOENT is 44), while a board's MicroPython uses its own, which are
// Linux's (py/mperrno.h with MICROPY_USE_INTERNAL_ERRNO: ENOENT 2, EEXIST 17, ...). Python
// code and clients compare against those — mpremote's fs commands look for
// "OSError: [Errno 2] ENOENT" — so every error a system call returns is translated at the
// boundary between the wasm module and its JavaScript imports.

import { constants } from 'node:os';

/** Emscripten's errno values (its ERRNO_CODES table), for the names Linux also has. */
export const EMSCRIPTEN_ERRNO: Readonly<Record<string, number>> = {
  EPERM: 63, ENOENT: 44, ESRCH: 71, EINTR: 27, EIO: 29, ENXIO: 60, E2BIG: 1, ENOEXEC: 45, EBADF: 8,
  ECHILD: 12, EAGAIN: 6, EWOULDBLOCK: 6, ENOMEM: 48, EACCES: 2, EFAULT: 21, EBUSY: 10, EEXIST: 20,
  EXDEV: 75, ENODEV: 43, ENOTDIR: 54, EISDIR: 31, EINVAL: 28, ENFILE: 41, EMFILE: 33, ENOTTY: 59,
  ETXTBSY: 74, EFBIG: 22, ENOSPC: 51, ESPIPE: 70, EROFS: 69, EMLINK: 34, EPIPE: 64, EDOM: 18,
  ERANGE: 68, ENOMSG: 49, EIDRM: 24, EDEADLK: 16, ENOLCK: 46, ENOSTR: 100, ENODATA: 116,
  ETIME: 117, ENOSR: 118, ENOLINK: 47, EPROTO: 65, EMULTIHOP: 36, EBADMSG: 9, ENOSYS: 52,
  ENOTEMPTY: 55, ENAMETOOLONG: 37, ELOOP: 32, EOPNOTSUPP: 138, ECONNRESET: 15, ENOBUFS: 42,
  EAFNOSUPPORT: 5, EPROTOTYPE: 67, ENOTSOCK: 57, ENOPROTOOPT: 50, ECONNREFUSED: 14, EADDRINUSE: 3,
  ECONNABORTED: 13, ENETUNREACH: 40, ENETDOWN: 38, ETIMEDOUT: 73, EHOSTUNREACH: 23,
  EINPROGRESS: 26, EALREADY: 7, EDESTADDRREQ: 17, EMSGSIZE: 35, EPROTONOSUPPORT: 66,
  EADDRNOTAVAIL: 4, ENETRESET: 39, EISCONN: 30, ENOTCONN: 53, EDQUOT: 19, ESTALE: 72, ENOTSUP: 138,
  EILSEQ: 25, EOVERFLOW: 61, ECANCELED: 11,
};

const EIO_LINUX = 5;

/** Emscripten errno → MicroPython's (Linux) errno; unknown values become EIO. */
export const TO_MICROPYTHON_ERRNO: ReadonlyMap<number, number> = (() => {
  const m = new Map<number, number>();
  const linux = constants.errno as Record<string, number>;
  for (const [name, em] of Object.entries(EMSCRIPTEN_ERRNO)) {
    // Aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK) map to the same number anyway.
    if (!m.has(em) && linux[name] !== undefined) m.set(em, linux[name]!);
  }
  return m;
})();

export function toMicroPythonErrno(emscripten: number): number {
  return TO_MICROPYTHON_ERRNO.get(emscripten) ?? EIO_LINUX;
}

/** The Emscripten errno for a Node.js fs error (code 'ENOENT' etc.); EIO when unknown. */
export function emscriptenErrnoOf(e: unknown): number {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined && EMSCRIPTEN_ERRNO[code]) || EMSCRIPTEN_ERRNO.EIO!;
}
