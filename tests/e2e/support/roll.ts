// Rolling replacement of replicas, and a poller that plays the role of a
// load balancer: each tick it asks the replicas currently in service, in
// turn, until one answers; a tick where none answers is an outage.
import { docker } from "../../../components/bake/docker";
import { Conn, Started, psql } from "./env";

export class ServicePoller {
  private running?: Promise<void>;
  private stopped = false;
  ticks = 0;
  failedTicks = 0;
  errors: string[] = [];

  constructor(private members: Conn[], private sql: string, private everyMs = 100) {}

  setMembers(m: Conn[]): void {
    this.members = [...m];
  }

  start(): void {
    const loop = async () => {
      while (!this.stopped) {
        const t = Date.now();
        await this.tick();
        await new Promise((r) => setTimeout(r, Math.max(0, this.everyMs - (Date.now() - t))));
      }
    };
    this.running = loop();
  }

  private async tick(): Promise<void> {
    this.ticks++;
    const members = [...this.members];
    const offset = this.ticks % Math.max(1, members.length);
    for (let i = 0; i < members.length; i++) {
      try {
        await psql(members[(i + offset) % members.length], this.sql, 2);
        return;
      } catch (e) {
        this.errors.push((e as Error).message);
      }
    }
    this.failedTicks++;
  }

  async stop(): Promise<{ ticks: number; failedTicks: number; errors: string[] }> {
    this.stopped = true;
    await this.running; // at most one tick + one interval

    return { ticks: this.ticks, failedTicks: this.failedTicks, errors: this.errors };
  }
}

/** For each old replica: start a new one, wait until ready, take the old out of service, stop it. */
export async function rollReplicas(
  old: Started[], startNew: () => Promise<Started>, poller: ServicePoller, conn: (s: Started) => Conn,
): Promise<Started[]> {
  let live = [...old];
  for (const o of old) {
    const n = await startNew();
    live = [...live.filter((x) => x !== o), n];
    poller.setMembers(live.map(conn));
    // Let in-flight polls against the old replica finish before it goes.
    await new Promise((r) => setTimeout(r, 300));
    await docker(["stop", "-t", "10", o.name]);
    await docker(["rm", "-f", o.name]);
  }
  return live;
}
