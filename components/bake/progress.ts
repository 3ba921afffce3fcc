// What the restore script reports (DBPLACE-BAKE-* lines), read the same way whether it ran inside
// docker build or on the host (daemonless.ts).
import { BakeError } from "./types";

const MARK = { step: "DBPLACE-BAKE-STEP:", error: "DBPLACE-BAKE-ERROR:", warn: "DBPLACE-BAKE-WARNING:", info: "DBPLACE-BAKE-INFO:" };

export class RestoreOutput {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  info = "";
  /** Wall time of each step, slowest first once done() ran. */
  readonly steps: { step: string; seconds: number }[] = [];
  private current?: { step: string; t: number };

  /** Feed one output line; `stepRe` says which lines start a step (Dockerfile steps or the script's own). */
  line(line: string, stepRe: RegExp[]): void {
    const at = (m: string) => line.indexOf(m);
    for (const re of stepRe) {
      const st = re.exec(line.trim());
      if (st) {
        this.close();
        this.current = { step: st[1].slice(0, 60), t: Date.now() };
        break;
      }
    }
    if (at(MARK.error) >= 0) this.errors.push(line.slice(at(MARK.error) + MARK.error.length).trim());
    else if (at(MARK.warn) >= 0) this.warnings.push(line.slice(at(MARK.warn) + MARK.warn.length).trim());
    else if (at(MARK.info) >= 0) this.info = line.slice(at(MARK.info) + MARK.info.length);
  }

  done(): void {
    this.close();
    this.steps.sort((x, y) => y.seconds - x.seconds);
  }

  private close(): void {
    if (this.current) this.steps.push({ step: this.current.step, seconds: (Date.now() - this.current.t) / 1000 });
    this.current = undefined;
  }

  /** A number from the INFO line (db_bytes, data_dir_bytes, restore_ms). */
  num(k: string): number | undefined {
    const m = new RegExp(`${k}=(\\d+)`).exec(this.info);
    return m ? Number(m[1]) : undefined;
  }

  /** The error the script reported last, as a BakeError with the right code. */
  /** Every error line the script printed, for causes the last one does not name (a full disk under initdb). */
  errorText(): string {
    return this.errors.join("\n");
  }

  failure(): BakeError | undefined {
    const msg = this.errors[this.errors.length - 1];
    if (msg === undefined) return undefined;
    if (/truncated/i.test(msg)) return new BakeError("dump-truncated", `Bake failed: ${msg}`);
    if (/custom-format|not a pg_dump/i.test(msg)) return new BakeError("dump-format", `Bake failed: ${msg}`);
    if (/newer pg_dump|major version/i.test(msg)) return new BakeError("engine-mismatch", `Bake failed: ${msg}`);
    return new BakeError("restore", `Bake failed: ${msg}`);
  }
}

/** The script's own step lines (host runs) and the Dockerfile steps of both builders. */
export const SCRIPT_STEP = /DBPLACE-BAKE-STEP: (.*)$/;
export const DOCKER_STEPS = [/^Step \d+\/\d+ : (.*)$/, /^#\d+ \[[^\]]*\] (.*)$/];
