// Resolve BakeSpec.dump (path, file:// or http(s):// URL) to a local file,
// synchronously, because prepareBakeContext must be sync for the Pulumi
// program. URLs are downloaded by a child node process into the cache with
// a conditional GET (ETag / Last-Modified) so unchanged dumps are not
// fetched again on every preview.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";
import { BakeError } from "./types";

const DOWNLOADER = `
const [url, dest, metaFile] = process.argv.slice(1);
const fs = require("fs");
(async () => {
  let meta = {};
  try { meta = JSON.parse(fs.readFileSync(metaFile, "utf8")); } catch {}
  const headers = {};
  if (fs.existsSync(dest)) {
    if (meta.etag) headers["if-none-match"] = meta.etag;
    if (meta.lastModified) headers["if-modified-since"] = meta.lastModified;
  }
  const res = await fetch(url, { headers, redirect: "follow" });
  if (res.status === 304) return;
  if (!res.ok) { console.error("HTTP " + res.status + " " + res.statusText); process.exit(3); }
  const tmp = dest + ".part";
  const out = fs.createWriteStream(tmp);
  const { Readable } = require("stream");
  const { pipeline } = require("stream/promises");
  await pipeline(Readable.fromWeb(res.body), out);
  const want = Number(res.headers.get("content-length") || -1);
  const got = fs.statSync(tmp).size;
  if (want >= 0 && got !== want) { console.error("short download: " + got + " of " + want + " bytes"); process.exit(4); }
  fs.renameSync(tmp, dest);
  fs.writeFileSync(metaFile, JSON.stringify({ etag: res.headers.get("etag"), lastModified: res.headers.get("last-modified") }));
})().catch((e) => { console.error(String(e && e.cause ? e.message + ": " + e.cause : e)); process.exit(2); });
`;

export function resolveDumpSync(dump: string, cacheDir: string): string {
  if (/^file:\/\//i.test(dump)) return fileURLToPath(dump);
  if (!/^https?:\/\//i.test(dump)) return path.resolve(dump);
  const dir = path.join(cacheDir, "bake", "downloads");
  fs.mkdirSync(dir, { recursive: true });
  const base = crypto.createHash("sha256").update(dump).digest("hex").slice(0, 24);
  const dest = path.join(dir, `${base}.pgdump`);
  const res = spawnSync(process.execPath, ["-e", DOWNLOADER, dump, dest, `${dest}.meta.json`], {
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (res.status !== 0 || !fs.existsSync(dest)) {
    const why = (res.stderr || res.error?.message || "unknown error").trim();
    throw new BakeError("download", `Could not download the dump from ${dump} (${why}); check the URL and that this machine can reach it, or pass a local file.`);
  }
  return dest;
}
