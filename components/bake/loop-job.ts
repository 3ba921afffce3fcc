// The in-cluster turn of the re-bake loop: bake the dump the Job's first container wrote with the
// daemonless baker (the code `npm run bake` runs), push REPO:<digest> and REPO:current, then roll the
// replicas by stamping the new digest on their Deployment's pod template. The Deployment follows
// REPO:current with imagePullPolicy Always, so Pulumi's inputs never change and a later `pulumi up`
// neither undoes a newer bake nor shows a diff. Any failure exits non-zero before the roll: the running
// replicas keep their image and the next scheduled run tries again.
import * as fs from "fs";
import * as https from "https";
import * as crypto from "crypto";
import { bakeDaemonless } from "./daemonless";
import { inspectDump } from "./dumpfile";
import { BakeError } from "./types";
import { LABELS } from "../labels";

/** Pod-template annotations the loop writes: which bake the replicas run. */
export const LOOP_ANNOTATIONS = {
    digest: LABELS.bakedDigest,
    image: LABELS.bakedImage,
    /** sha256 of the baked dump without its creation time: equal for two dumps of unchanged data. */
    content: LABELS.bakedContent,
} as const;
/** The tag the replicas' Deployment follows; the loop moves it to each new bake. */
export const CURRENT_TAG = "current";

export interface LoopJobConfig {
    dump: string;
    repository: string;
    database: string;
    majorVersion: string;
    baseImage: string;
    readerVerifier: string;
    source: string;
    /** namespace/name of the Deployment to roll; empty: push only (the first bake, before the Deployment exists). */
    deployment?: { namespace: string; name: string };
    workDir: string;
}

const REQUIRED = ["DBPLACE_DUMP", "DBPLACE_REPOSITORY", "DBPLACE_DATABASE", "DBPLACE_PG_MAJOR", "DBPLACE_BASE"] as const;

/** The Job's environment, checked: a missing variable is a template bug, named in the Job's log. */
export function loopJobConfig(env: NodeJS.ProcessEnv): LoopJobConfig {
    const missing = REQUIRED.filter((k) => !env[k]);
    if (missing.length > 0) throw new BakeError("invalid-spec", `the bake Job is missing ${missing.join(", ")} in its environment.`);
    const dep = env.DBPLACE_DEPLOYMENT ?? "";
    if (dep && !/^[a-z0-9-]+\/[a-z0-9-]+$/.test(dep)) throw new BakeError("invalid-spec", `DBPLACE_DEPLOYMENT must be namespace/name, got "${dep}".`);
    const [namespace, name] = dep.split("/");
    return {
        dump: env.DBPLACE_DUMP!, repository: env.DBPLACE_REPOSITORY!, database: env.DBPLACE_DATABASE!, majorVersion: env.DBPLACE_PG_MAJOR!,
        baseImage: env.DBPLACE_BASE!, readerVerifier: env.DBPLACE_READER_VERIFIER ?? "", source: env.DBPLACE_SOURCE ?? "",
        deployment: dep ? { namespace, name } : undefined, workDir: env.DBPLACE_WORK ?? "/work",
    };
}

/** The strategic-merge patch that rolls the Deployment to a bake: only the pod template's annotations change. */
export function rollPatch(digest: string, ref: string, content?: string): string {
    const annotations = { [LOOP_ANNOTATIONS.digest]: digest, [LOOP_ANNOTATIONS.image]: ref, ...(content ? { [LOOP_ANNOTATIONS.content]: content } : {}) };
    return JSON.stringify({ spec: { template: { metadata: { annotations } } } });
}

/**
 * sha256 of a custom-format dump without the creation time in its header. pg_dump writes unchanged data
 * byte for byte the same, so two dumps of an unchanged database have the same content digest, and the loop
 * neither re-bakes nor rolls an idle database (nor fills the registry with copies of it).
 */
export function contentDigest(file: string): string {
    const [start, end] = inspectDump(file).createdAtBytes;
    const h = crypto.createHash("sha256");
    const fd = fs.openSync(file, "r");
    try {
        const buf = Buffer.alloc(1 << 20);
        for (let pos = 0, n = 0; (n = fs.readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n) {
            // Only the first chunk can hold the header.
            h.update(pos === 0 ? Buffer.concat([buf.subarray(0, start), buf.subarray(end, n)]) : buf.subarray(0, n));
        }
    } finally {
        fs.closeSync(fd);
    }
    return h.digest("hex");
}

const SA = "/var/run/secrets/kubernetes.io/serviceaccount";

/** PATCH (or GET, without a body) the Deployment through the API server with the pod's own ServiceAccount (allowed: get/patch on that one Deployment). */
export function deploymentApi(namespace: string, name: string, body: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ status: number; text: string }> {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? "443";
    if (!host) return Promise.reject(new BakeError("roll", "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset); cannot roll the replicas."));
    const token = fs.readFileSync(`${SA}/token`, "utf8").trim();
    return new Promise((resolve, reject) => {
        const req = https.request({
            host, port: Number(port), method: body === undefined ? "GET" : "PATCH", ca: fs.readFileSync(`${SA}/ca.crt`),
            path: `/apis/apps/v1/namespaces/${namespace}/deployments/${name}${body === undefined ? "" : "?fieldManager=dbplace-bake-loop"}`,
            headers: body === undefined ? { Authorization: `Bearer ${token}` }
                : { Authorization: `Bearer ${token}`, "Content-Type": "application/strategic-merge-patch+json", "Content-Length": Buffer.byteLength(body) },
            timeout: 30000,
        }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("timeout", () => req.destroy(new Error("API server did not answer in 30 s")));
        req.on("error", reject);
        req.end(body);
    });
}

export async function runLoopJob(c: LoopJobConfig, say: (l: string) => void = (l) => console.log(l)): Promise<{ ref?: string; digest?: string; rolled: boolean }> {
    const content = contentDigest(c.dump);
    if (c.deployment) {
        const g = await deploymentApi(c.deployment.namespace, c.deployment.name, undefined);
        const baked = g.status === 200 ? (JSON.parse(g.text) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }).spec?.template?.metadata?.annotations : undefined;
        if (baked?.[LOOP_ANNOTATIONS.content] === content) {
            say(`loop: unchanged: the dump holds the same data as the replicas' bake (${baked[LOOP_ANNOTATIONS.image]}); nothing baked, pushed or rolled`);
            return { rolled: false };
        }
    }
    const size = fs.statSync(c.dump).size;
    say(`loop: baking ${c.dump} (${(size / 1e6).toFixed(1)} MB) into ${c.repository}`);
    const r = await bakeDaemonless({
        engine: "postgres", majorVersion: c.majorVersion, baseImage: c.baseImage, database: c.database, dump: c.dump, source: c.source,
        readerVerifier: c.readerVerifier || undefined, image: c.repository, output: "push", alsoTag: [CURRENT_TAG],
        cacheDir: `${c.workDir}/cache`, onProgress: say,
    });
    say(`loop: pushed ${r.ref} and ${c.repository}:${CURRENT_TAG}`);
    if (!c.deployment) return { ref: r.ref, digest: r.digest, rolled: false };
    const p = await deploymentApi(c.deployment.namespace, c.deployment.name, rollPatch(r.digest, r.ref, content));
    // The first bake runs before its Deployment exists; the Deployment then starts from :current.
    if (p.status === 404) {
        say(`loop: no Deployment ${c.deployment.namespace}/${c.deployment.name} yet; it will start from ${c.repository}:${CURRENT_TAG}`);
        return { ref: r.ref, digest: r.digest, rolled: false };
    }
    if (p.status < 200 || p.status >= 300)
        throw new BakeError("roll", `the image was pushed, but rolling ${c.deployment.namespace}/${c.deployment.name} failed (HTTP ${p.status}): ${p.text.slice(0, 300)}`);
    say(`loop: rolling ${c.deployment.namespace}/${c.deployment.name} to ${r.ref}`);
    return { ref: r.ref, digest: r.digest, rolled: true };
}

if (require.main === module) {
    Promise.resolve()
        .then(() => runLoopJob(loopJobConfig(process.env)))
        .catch((e: Error) => {
            console.error(`loop: ${e.message}`);
            process.exit(1);
        });
}
