import * as assert from "node:assert/strict";
import { wideEntries } from "../../components/config/allow-list";
import { cidrProblem, coveredFamilies, parseCidr } from "../../components/config/cidr";

describe("CIDR union: which address families a set of ranges covers completely", () => {
    const cases: [title: string, cidrs: string[], covered: number[]][] = [
        ["nothing", [], []],
        ["one private range", ["10.0.0.0/8"], []],
        ["the two IPv4 halves", ["0.0.0.0/1", "128.0.0.0/1"], [4]],
        ["the halves in reverse order", ["128.0.0.0/1", "0.0.0.0/1"], [4]],
        ["one half only", ["0.0.0.0/1"], []],
        ["four adjacent quarters", ["192.0.0.0/2", "0.0.0.0/2", "128.0.0.0/2", "64.0.0.0/2"], [4]],
        ["overlapping ranges that reach the end", ["0.0.0.0/1", "64.0.0.0/2", "128.0.0.0/2", "128.0.0.0/1"], [4]],
        ["a gap of one /32 at the top", ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5", "248.0.0.0/6", "252.0.0.0/7", "254.0.0.0/8",
            "255.0.0.0/9", "255.128.0.0/10", "255.192.0.0/11", "255.224.0.0/12", "255.240.0.0/13", "255.248.0.0/14", "255.252.0.0/15", "255.254.0.0/16",
            "255.255.0.0/17", "255.255.128.0/18", "255.255.192.0/19", "255.255.224.0/20", "255.255.240.0/21", "255.255.248.0/22", "255.255.252.0/23",
            "255.255.254.0/24", "255.255.255.0/25", "255.255.255.128/26", "255.255.255.192/27", "255.255.255.224/28", "255.255.255.240/29",
            "255.255.255.248/30", "255.255.255.252/31"], []],
        ["…and that gap filled", ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5", "248.0.0.0/6", "252.0.0.0/7", "254.0.0.0/8",
            "255.0.0.0/8"], [4]],
        ["a gap in the middle", ["0.0.0.0/2", "128.0.0.0/1"], []],
        ["the world itself", ["0.0.0.0/0"], [4]],
        ["host bits widen nothing: 10.1.2.3/1 is 0.0.0.0/1", ["10.1.2.3/1", "128.0.0.0/1"], [4]],
        ["the two IPv6 halves", ["::/1", "8000::/1"], [6]],
        ["IPv6 halves written in full", ["0000:0000:0000:0000:0000:0000:0000:0000/1", "8000:0:0:0:0:0:0:0/1"], [6]],
        ["IPv6 with a hole", ["::/2", "8000::/1"], []],
        ["global unicast only", ["2000::/3"], []],
        ["::/0", ["::/0"], [6]],
        ["both families", ["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"], [4, 6]],
        ["IPv4 halves do not cover IPv6", ["0.0.0.0/1", "128.0.0.0/1", "2001:db8::/32"], [4]],
        ["IPv4-mapped IPv6 is IPv6", ["::ffff:0.0.0.0/96"], []],
        ["non-CIDRs are ignored", ["0.0.0.0/1", "not-a-cidr", "128.0.0.0"], []],
    ];
    for (const [title, cidrs, covered] of cases) {
        it(`${covered.length ? `covers IPv${covered.join(" and IPv")}` : "covers nothing"}: ${title}`, () => assert.deepEqual(coveredFamilies(cidrs), covered));
    }
});

describe("CIDR parsing", () => {
    it("reads IPv4 and IPv6 into address ranges", () => {
        assert.deepEqual(parseCidr("10.0.0.0/8"), { family: 4, prefix: 8, first: 0x0a000000n, last: 0x0affffffn, hostBits: false, network: "10.0.0.0/8" });
        const v6 = parseCidr("2001:db8::/32")!;
        assert.equal(v6.first, 0x20010db8n << 96n);
        assert.equal(v6.last, (0x20010db8n << 96n) + (1n << 96n) - 1n);
        assert.equal(parseCidr("::ffff:10.0.0.0/104")?.network, "::ffff:a00:0/104");
        assert.equal(parseCidr("fe80:0:0:1::/64")?.network, "fe80:0:0:1::/64");
    });
    for (const bad of ["10.0.0.0", "10.0.0.0/33", "::/129", "10.0.0.0/8/8", "10.0.0/8", "10.0.0.0/-1", "gg::/16"]) {
        it(`refuses ${bad}`, () => assert.equal(parseCidr(bad), undefined));
    }
    it("names the network when host bits are set, IPv6 included", () => {
        assert.equal(cidrProblem("10.1.2.3/8"), "host bits are set for a /8; the network is 10.0.0.0/8");
        assert.equal(cidrProblem("2001:db8::1/32"), "host bits are set for a /32; the network is 2001:db8::/32");
        assert.equal(cidrProblem("2001:db8::/32"), undefined);
        assert.equal(cidrProblem("192.168.1.7/32"), undefined);
    });
    it("calls prefixes shorter than /8 (IPv4) or /32 (IPv6) wide, with their index", () => {
        assert.deepEqual(wideEntries(["10.0.0.0/8", "8.0.0.0/7", "2001:db8::/32", "2000::/3"]).map((w) => [w.index, w.cidr]), [[1, "8.0.0.0/7"], [3, "2000::/3"]]);
        assert.match(wideEntries(["8.0.0.0/7"])[0].why, /a \/7 \(33,554,432 addresses\) is wider than the \/8/);
    });
});
