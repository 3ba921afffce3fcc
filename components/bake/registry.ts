// Registry names, shared by the daemonless baker and the Pulumi push (components/replicas/bake-image.ts).

/** The registry part of a repository reference (Docker's rule: a first component with a dot or port, or localhost). */
export function registryHost(repository: string): string {
  const first = repository.split("/")[0];
  return repository.includes("/") && (/[.:]/.test(first) || first === "localhost") ? first : "docker.io";
}

/** Registries on loopback take plain HTTP and need no login (Docker's own rule). */
export function isLoopback(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);
}
