// Where the daemonless baker reads the base image from. A registry reference (with a host), oci:DIR or
// docker-archive:FILE is used as given. A local Docker name such as dbplace/postgres:15 is exported
// once from the Docker engine into an OCI layout under the cache (re-exported when the engine's image
// changes), so later bakes need no daemon at all and push the base's blobs without recompressing them.
import * as fs from "fs";
import * as path from "path";
import { baker } from "./baker-tool";
import { docker } from "./docker";
import { registryHost } from "./registry";
import { BakeError } from "./types";

/** What the restore on the host must match (dbplace-bake inspect). */
export interface BaseFacts {
  digest: string;
  user: string;
  uid: number;
  gid: number;
  /** dpkg's installed packages and versions (empty for images without dpkg). */
  packages: Record<string, string>;
  /** Directories in /usr/lib/locale (e.g. C.utf8). */
  locales: string[] | null;
  localeArchive: boolean;
  env: string[] | null;
}

export interface ResolvedBase {
  /** Reference dbplace-bake reads: oci:DIR, docker-archive:FILE or a registry reference. */
  ref: string;
  facts: BaseFacts;
}

const isTransport = (s: string) => /^(oci|docker-archive):/.test(s);

/** Image ID in the local engine, or undefined when there is no engine or no such image. */
async function engineImageId(image: string): Promise<string | undefined> {
  try {
    const r = await docker(["image", "inspect", "--format", "{{.Id}}", image]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  } catch {
    return undefined; // no docker CLI
  }
}

export async function resolveBase(baseImage: string, cacheDir: string, say: (l: string) => void): Promise<ResolvedBase> {
  if (isTransport(baseImage) || registryHost(baseImage) !== "docker.io") {
    const facts = await baker<BaseFacts>(["inspect", "--base", baseImage], "base-image", `Cannot read the base image ${baseImage}`, say);
    return { ref: baseImage, facts };
  }
  const dir = path.join(cacheDir, "bake", "base", baseImage.replace(/[^a-zA-Z0-9_.-]+/g, "_"));
  const layout = path.join(dir, "oci");
  const idFile = path.join(dir, "image-id");
  const factsFile = path.join(dir, "facts.json");
  const saved = fs.existsSync(factsFile) && fs.existsSync(idFile) ? fs.readFileSync(idFile, "utf8").trim() : undefined;
  const id = await engineImageId(baseImage);
  if (id && id !== saved) {
    say(`bake: exporting ${baseImage} (${id.slice(7, 19)}) from the Docker engine into ${layout} (once per base image)`);
    // Built beside the final directory and renamed into place, so a concurrent bake never sees half of it.
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    try {
      const tar = path.join(tmp, "save.tar");
      const s = await docker(["save", "-o", tar, baseImage]);
      if (s.code !== 0) throw new BakeError("base-image", `docker save ${baseImage} failed: ${s.stderr.trim()}`);
      await baker(["convert", "--from", `docker-archive:${tar}`, "--to", `oci:${path.join(tmp, "oci")}`, "--tag", baseImage], "base-image", `Cannot convert ${baseImage}`, say);
      fs.rmSync(tar, { force: true });
      const facts = await baker<BaseFacts>(["inspect", "--base", `oci:${path.join(tmp, "oci")}`], "base-image", `Cannot read the base image ${baseImage}`, say);
      fs.writeFileSync(path.join(tmp, "image-id"), id);
      fs.writeFileSync(path.join(tmp, "facts.json"), JSON.stringify(facts));
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      return { ref: `oci:${layout}`, facts };
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (saved) {
    if (!id) say(`bake: no Docker engine (or no ${baseImage} in it): using the copy of ${baseImage} exported earlier (${saved.slice(7, 19)})`);
    return { ref: `oci:${layout}`, facts: JSON.parse(fs.readFileSync(factsFile, "utf8")) as BaseFacts };
  }
  throw new BakeError("base-image",
    `The base image ${baseImage} is neither in a reachable Docker engine nor exported under ${dir}. Build it once with ` +
    `tools/docker/base-image.sh (the next bake exports it), or pass a registry reference (e.g. 127.0.0.1:5000/dbplace/postgres:15), ` +
    `oci:DIR or docker-archive:FILE as the base image.`);
}
