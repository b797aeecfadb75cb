// Types for the part of the MicroPython WebAssembly package the virtual board uses
// (the package ships none). See its micropython.mjs, loadMicroPython().
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface LoadOptions {
    /** GC heap bytes (default 1 MiB). */
    heapsize?: number;
    /** Python stack words (default 2048). */
    pystack?: number;
    /** false: stdout gets every byte as written; true: whole decoded lines. */
    linebuffer?: boolean;
    stdout?: (data: Uint8Array) => void;
    stderr?: (data: Uint8Array) => void;
    /** Emscripten's stdin device: the next byte, null for end of file. */
    stdin?: () => number | null;
  }
  export interface MicroPythonInstance {
    replInit(): void;
    /** Returns pyexec's status; PYEXEC_FORCED_EXIT (0x100) asks the host to soft-reset. */
    replProcessChar(c: number): number;
    runPython(code: string): unknown;
    /** The Emscripten module; the package's proxy code reads it from globalThis.Module. */
    _module: unknown;
    /** Emscripten's file system. */
    FS: unknown;
  }
  export function loadMicroPython(options?: LoadOptions): Promise<MicroPythonInstance>;
}
