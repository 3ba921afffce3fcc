import * as assert from "node:assert/strict";
import { clientPeers } from "../../components/cluster/network";
import { resolveStack } from "../../components/config";
import { rejected } from "../helpers/config";

/** network.allowedCidrs as a set: ranges that add up to the internet are refused, very wide ones warned about. */
function message(raw: unknown): string {
    return rejected(raw).message;
}

const local = { cloud: "local", placement: "docker" };

describe("config: allow-lists that add up to the internet", () => {
    const refused: [string, unknown, RegExp[]][] = [
        ["the two IPv4 halves", { ...local, network: { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } },
            [/^Invalid configuration: dbplace:network\.allowedCidrs is \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\] for database "app": together these ranges cover 0\.0\.0\.0\/0 \(every IPv4 address\), so the whole internet could reach the database port; list only the ranges your clients connect from/]],
        ["IPv6 quarters, in a database entry", { cloud: "local", databases: { orders: { placement: "docker", network: { allowedCidrs: ["::/2", "4000::/2", "8000::/2", "c000::/2"] } } } },
            [/dbplace:databases\.orders\.network\.allowedCidrs is \["::\/2","4000::\/2","8000::\/2","c000::\/2"\] for database "orders": together these ranges cover ::\/0 \(every IPv6 address\)/]],
        ["overlapping ranges with a private one", { ...local, network: { allowedCidrs: ["10.0.0.0/8", "0.0.0.0/1", "64.0.0.0/2", "128.0.0.0/1"] } }, [/cover 0\.0\.0\.0\/0/]],
        ["both families at once", { ...local, network: { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"] } }, [/cover 0\.0\.0\.0\/0 \(every IPv4 address\) and ::\/0 \(every IPv6 address\)/]],
        // network merges per field: a stack-wide allow-list reaches every database that does not set its own.
        ["a stack-wide list inherited by a database", { cloud: "local", placement: "docker", network: { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, databases: { orders: { network: { allowedNamespaces: ["shop"] } } } },
            [/^Invalid configuration: dbplace:network\.allowedCidrs is \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\] for database "orders"/]],
        ["one database of two", { cloud: "local", placement: "docker", databases: { a: {}, b: { network: { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } } } }, [/^Invalid configuration: dbplace:databases\.b\.network\.allowedCidrs .* for database "b"/]],
    ];
    for (const [title, raw, patterns] of refused) {
        it(`refuses ${title}`, () => {
            const text = message(raw);
            for (const p of patterns) assert.match(text, p);
        });
    }

    it("reports each bad entry on its own and not the set as well", () => {
        const text = message({ ...local, network: { allowedCidrs: ["0.0.0.0/1", "128.0.0.1/1"] } });
        assert.match(text, /^Invalid configuration: dbplace:network\.allowedCidrs\.1 is "128\.0\.0\.1\/1": host bits are set for a \/1; the network is 128\.0\.0\.0\/1\.$/);
    });

    const accepted: [string, string[]][] = [
        ["one half of the internet (wide, but not all of it)", ["0.0.0.0/1"]],
        ["a hole of one address", ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5", "248.0.0.0/6", "252.0.0.0/7", "254.0.0.0/8", "255.0.0.0/9"]],
        ["private ranges in both families", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8"]],
    ];
    for (const [title, cidrs] of accepted) {
        it(`accepts ${title}`, () => assert.deepEqual(resolveStack({ ...local, network: { allowedCidrs: cidrs } }).databases[0].network.allowedCidrs, cidrs));
    }

    it("warns, without failing, on prefixes wider than /8 (IPv4) or /32 (IPv6)", () => {
        const stack = resolveStack({ cloud: "local", databases: { orders: { placement: "docker", network: { allowedCidrs: ["10.0.0.0/8", "8.0.0.0/7", "2001:db8::/32", "2000::/3"] } } } });
        assert.equal(stack.warnings.length, 2, stack.warnings.join("\n"));
        assert.match(stack.warnings[0], /^dbplace:databases\.orders\.network\.allowedCidrs\.1 is "8\.0\.0\.0\/7" for database "orders": a \/7 \(33,554,432 addresses\) is wider than the \/8 an IPv4 allow-list normally needs; it is accepted/);
        assert.match(stack.warnings[1], /allowedCidrs\.3 is "2000::\/3" .*wider than the \/32 an IPv6 allow-list/);
        assert.deepEqual(resolveStack({ ...local, network: { allowedCidrs: ["10.0.0.0/8", "2001:db8::/32"] } }).warnings, []);
    });

    it("is refused again by the components, for library callers that skip validation", () => {
        const [db] = resolveStack({ cloud: "local", placement: "cluster", network: { allowedCidrs: ["10.0.0.0/8"] } }).databases;
        assert.deepEqual(clientPeers(db), [{ ipBlock: { cidr: "10.0.0.0/8" } }]);
        assert.throws(() => clientPeers({ ...db, network: { ...db.network, allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } }), /network\.allowedCidrs \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\]: together these ranges cover 0\.0\.0\.0\/0/);
    });
});
