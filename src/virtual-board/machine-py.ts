// Python run inside the interpreter at every boot (power-on, hard and soft reset), before
// the REPL starts: what a board's firmware and _boot.py set up that the WebAssembly build
// lacks. It is imported from a directory that is not on the board's flash, so the user
// never sees it; what it leaves on the heap (the module, the VFS object, input) is what a
// board's boot leaves there too (its VFS and block-device objects).

/** machine.py: the part of a board's `machine` module that makes sense without hardware. */
export const MACHINE_PY = `\
import js, vfs

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


def reset():
    # A hard reset: the interpreter is replaced; this call never returns.
    js.mcuGcHardReset()


def soft_reset():
    raise SystemExit


def reset_cause():
    return js.mcuGcResetCause()


def idle():
    pass


def unique_id():
    return b"mcu-gc-vb"


def _input(prompt=None):
    # builtins.input: the port's own reads mp_hal_stdin_rx_chr(), which is (0) on the
    # WebAssembly port. Reading and echoing happen in JavaScript (the stdin ring); None
    # means Ctrl-C arrived, whose pending KeyboardInterrupt this loop's backward jump raises.
    if prompt is not None:
        print(prompt, end="")
    while 1:
        r = js.mcuGcReadline()
        if r is not None:
            break
    if r == 4:
        raise EOFError
    return r


class _Flash(vfs.VfsPosix):
    # VfsPosix lists (name, type, inode); a board's FAT or littlefs adds the size, which
    # mpremote's ls shows.
    def ilistdir(self, path):
        for e in super().ilistdir(path):
            size = 0
            if e[1] == 0x8000:
                try:
                    size = self.stat(path + "/" + e[0])[6]
                except OSError:
                    pass
            yield (e[0], e[1], e[2], size)
`;

/**
 * Boot: machine importable, input() reading the pty, the flash (mounted by the worker at
 * /flash in Emscripten's tree) as the VFS root, then a collection of the boot's garbage
 * (the port collects only when control returns to JavaScript, so gc.collect() here just
 * asks for it). __main__ is left as the REPL expects it.
 */
export const BOOT_PY = `\
import sys, builtins, vfs, os
sys.path.insert(0, "/.mcu-gc")
import machine
del sys.path[0]
builtins.input = machine._input
vfs.umount("/")
vfs.mount(machine._Flash("/flash"), "/")
os.chdir("/")
del sys, builtins, vfs, os, machine
import gc
gc.collect()
del gc
`;

/** Written while probing how output is produced (see cooked-output in worker.ts). */
export const PROBE_PY = `\
import sys
print(".")
sys.stdout.buffer.write(b".\\n")
del sys
`;
