// A file round trip in the preopened directory `/` (fd 3). The shim's high-level API has no
// file access, so this uses the WASI preview1 functions its bindings declare: path_open with
// create/exclusive, scattered fd_write (resumed after a short write), fd_seek and fd_tell,
// fd_read to the end of the file, fd_filestat_get, path_filestat_get, directories, unlinking,
// and the errors wasmtime gives for an existing file, a missing file, a non-empty directory,
// a closed descriptor and a `..` escape. Leaves the directory as it found it.

import {
  errno,
  fd,
  fd_close,
  fd_filestat_get,
  fd_prestat_dir_name,
  fd_prestat_get,
  fd_read,
  fd_seek,
  fd_tell,
  fd_write,
  filestat,
  filetype,
  oflags,
  path_create_directory,
  path_filestat_get,
  path_open,
  path_remove_directory,
  path_unlink_file,
  prestat,
  rights,
  whence
} from "@assemblyscript/wasi-shim/assembly/bindings/wasi_snapshot_preview1";

function check(ok: bool, what: string): void {
  if (!ok) {
    console.log("FAIL: " + what);
    process.exit(1);
  }
}

function expect(result: errno, wanted: errno, what: string): void {
  check(result == wanted, what + ": errno " + result.toString() + ", expected " + wanted.toString());
}

const ROOT: fd = 3;
// Out values of the calls below.
const scratch = new ArrayBuffer(128);
const out = changetype<usize>(scratch);

/** Opens `path` under the root; the descriptor is at `out`. */
function open(path: string, flags: oflags): errno {
  const name = String.UTF8.encode(path);
  const wanted = rights.FD_READ | rights.FD_WRITE | rights.FD_SEEK | rights.FD_TELL | rights.FD_FILESTAT_GET;
  return path_open(ROOT, 0, changetype<usize>(name), name.byteLength, flags, wanted, wanted, 0, out);
}

function mkdir(path: string): errno {
  const name = String.UTF8.encode(path);
  return path_create_directory(ROOT, changetype<usize>(name), name.byteLength);
}

function rmdir(path: string): errno {
  const name = String.UTF8.encode(path);
  return path_remove_directory(ROOT, changetype<usize>(name), name.byteLength);
}

function unlink(path: string): errno {
  const name = String.UTF8.encode(path);
  return path_unlink_file(ROOT, changetype<usize>(name), name.byteLength);
}

/** Stats `path` under the root into `out`. */
function stat(path: string): errno {
  const name = String.UTF8.encode(path);
  return path_filestat_get(ROOT, 0, changetype<usize>(name), name.byteLength, changetype<filestat>(out));
}

// The preopen is a directory named "/", and it is the only one.
expect(fd_prestat_get(ROOT, changetype<prestat>(out)), 0, "fd_prestat_get(3)");
check(load<u8>(out) == 0 && load<u32>(out, 4) == 1, "preopen 3 is a directory with a 1-byte name");
expect(fd_prestat_dir_name(ROOT, out + 16, 1), 0, "fd_prestat_dir_name(3)");
check(load<u8>(out, 16) == 0x2f, "preopen 3 is named /");
expect(fd_prestat_get(ROOT + 1, changetype<prestat>(out)), errno.BADF, "fd_prestat_get(4)");

expect(mkdir("as_dir"), 0, "mkdir as_dir");
expect(mkdir("as_dir"), errno.EXIST, "mkdir as_dir again");
expect(open("as_dir/data.txt", oflags.CREAT | oflags.EXCL), 0, "create as_dir/data.txt");
const file = load<u32>(out);

// Two buffers, one write.
const first = String.UTF8.encode("hello from ");
const second = String.UTF8.encode("assemblyscript\n");
const vectors = new ArrayBuffer(16);
const v = changetype<usize>(vectors);
store<u32>(v, changetype<usize>(first), 0);
store<u32>(v, first.byteLength, 4);
store<u32>(v, changetype<usize>(second), 8);
store<u32>(v, second.byteLength, 12);
// A write may be short (wasmtime writes only the first buffer): go on until all is written.
let pending = v;
let count = 2;
while (count > 0) {
  expect(fd_write(file, pending, count, out), 0, "fd_write");
  let written = load<u32>(out);
  check(written > 0, "fd_write wrote nothing");
  while (count > 0 && written >= load<u32>(pending, 4)) {
    written -= load<u32>(pending, 4);
    pending += 8;
    count--;
  }
  if (count > 0) {
    store<u32>(pending, load<u32>(pending) + written, 0);
    store<u32>(pending, load<u32>(pending, 4) - written, 4);
  }
}
expect(fd_tell(file, out), 0, "fd_tell");
check(load<u64>(out) == 26, "offset after writing");

// Read back from offset 6 to the end.
expect(fd_seek(file, 6, whence.SET, out), 0, "fd_seek");
check(load<u64>(out) == 6, "offset after seeking");
const buffer = new ArrayBuffer(64);
store<u32>(v, changetype<usize>(buffer), 0);
store<u32>(v, buffer.byteLength, 4);
expect(fd_read(file, v, 1, out), 0, "fd_read");
const read = load<u32>(out);
const text = String.UTF8.decodeUnsafe(changetype<usize>(buffer), read);
check(text == "from assemblyscript\n", "read back '" + text + "'");
expect(fd_read(file, v, 1, out), 0, "fd_read at the end");
check(load<u32>(out) == 0, "end of file reads nothing");

// filestat: filetype at offset 16, size at 32.
expect(fd_filestat_get(file, changetype<filestat>(out)), 0, "fd_filestat_get");
check(load<u8>(out, 16) == filetype.REGULAR_FILE, "a regular file");
check(load<u64>(out, 32) == 26, "size 26");
expect(fd_close(file), 0, "fd_close");
expect(fd_close(file), errno.BADF, "fd_close again");

expect(open("as_dir/data.txt", oflags.CREAT | oflags.EXCL), errno.EXIST, "create existing file");
expect(stat("as_dir/data.txt"), 0, "path_filestat_get");
check(load<u64>(out, 32) == 26, "size by path");
expect(stat("as_dir"), 0, "path_filestat_get directory");
check(load<u8>(out, 16) == filetype.DIRECTORY, "as_dir is a directory");
expect(open("missing.txt", 0), errno.NOENT, "open a missing file");
expect(open("../outside/secret", 0), errno.PERM, "open outside the preopen");
expect(rmdir("as_dir"), errno.NOTEMPTY, "rmdir a non-empty directory");
expect(unlink("as_dir/data.txt"), 0, "unlink");
expect(rmdir("as_dir"), 0, "rmdir");
expect(stat("as_dir"), errno.NOENT, "stat a removed directory");

console.log("assemblyscript files ok");
