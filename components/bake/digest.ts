// sha256 of dump files, cached by (device, inode, size, mtime) so repeated
// `pulumi preview` runs do not re-hash gigabytes synchronously every time.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export function sha256FileSync(file: string, cacheDir?: string): string {
  const st = fs.statSync(file);
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  const cacheFile = cacheDir ? path.join(cacheDir, "bake", "digests.json") : undefined;
  let cache: Record<string, string> = {};
  if (cacheFile) {
    try {
      cache = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
    } catch {
      cache = {};
    }
    if (cache[key]) return cache[key];
  }
  const h = crypto.createHash("sha256");
  const buf = Buffer.alloc(8 << 20);
  const fd = fs.openSync(file, "r");
  try {
    for (let pos = 0; ; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const hex = h.digest("hex");
  if (cacheFile) {
    cache[key] = hex;
    // Bounded: only the most recent entries matter.
    const entries = Object.entries(cache).slice(-200);
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(entries)));
    fs.renameSync(tmp, cacheFile);
  }
  return hex;
}
