import { describe, expect, it } from "vitest";
import { blockedRange, callbackPolicy, checkCallbackUrl, type Resolve } from "../../../shared/jobs/callback-url";

const policy = (allowlist = "", allowHttp = false) => callbackPolicy({ allowlist, allowHttp });
/** A fake DNS (no network): every name resolves to the given addresses. */
const fakeDns =
  (...addresses: string[]): Resolve =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("blockedRange", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["10.1.2.3", "private"],
    ["172.20.0.1", "private"],
    ["192.168.0.10", "private"],
    ["100.100.100.200", "shared address space (carrier-grade NAT)"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fe80::1", "link-local (cloud metadata)"],
    ["fd00:ec2::254", "private"],
    ["ff02::1", "multicast"],
    ["::ffff:7f00:1", "loopback, IPv4 127.0.0.1 inside IPv6"],
    ["::ffff:169.254.169.254", "link-local (cloud metadata), IPv4 169.254.169.254 inside IPv6"],
    ["64:ff9b::a00:1", "private, IPv4 10.0.0.1 inside IPv6"],
    ["::127.0.0.1", "loopback, IPv4 127.0.0.1 inside IPv6"],
    ["2002:7f00:1::", "tunnel (embeds an IPv4 address)"],
  ])("%s is %s", (address, label) => expect(blockedRange(address)).toBe(label));

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111", "64:ff9b::808:808", "::ffff:8.8.8.8"])("%s is public", (address) => {
    expect(blockedRange(address)).toBeUndefined();
  });
});

describe("checkCallbackUrl", () => {
  it("refuses a name when any of its addresses is blocked, and returns the first address to pin", async () => {
    await expect(checkCallbackUrl("https://hooks.example.test/x", policy(), fakeDns("93.184.215.14", "10.0.0.1"))).rejects.toThrow(
      /resolves to 10\.0\.0\.1, which is private/,
    );
    await expect(checkCallbackUrl("https://hooks.example.test/x", policy(), fakeDns("93.184.215.14"))).resolves.toMatchObject({
      hostname: "hooks.example.test",
      address: "93.184.215.14",
      family: 4,
    });
  });

  it("an allowlisted host admits whatever it resolves to; an allowlisted CIDR admits only its addresses", async () => {
    await expect(checkCallbackUrl("https://hooks.internal/x", policy("hooks.internal"), fakeDns("10.0.0.7"))).resolves.toMatchObject({ address: "10.0.0.7" });
    await expect(checkCallbackUrl("https://other.internal/x", policy("10.0.0.0/24"), fakeDns("10.0.0.7"))).resolves.toMatchObject({ address: "10.0.0.7" });
    await expect(checkCallbackUrl("https://other.internal/x", policy("10.0.0.0/24"), fakeDns("10.0.1.7"))).rejects.toThrow(/private/);
    await expect(checkCallbackUrl("https://[::ffff:127.0.0.1]/x", policy("127.0.0.1"))).resolves.toMatchObject({ address: "::ffff:7f00:1" });
  });

  it("refuses other schemes, http unless allowed, and names that do not resolve", async () => {
    await expect(checkCallbackUrl("ftp://93.184.215.14/x", policy("", true))).rejects.toThrow(/scheme ftp: is not https/);
    await expect(checkCallbackUrl("http://93.184.215.14/x", policy())).rejects.toThrow(/must be https/);
    await expect(checkCallbackUrl("http://93.184.215.14/x", policy("", true))).resolves.toMatchObject({ address: "93.184.215.14" });
    const nxdomain: Resolve = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    await expect(checkCallbackUrl("https://nowhere.example.test/x", policy(), nxdomain)).rejects.toThrow(/does not resolve \(ENOTFOUND\)/);
  });

  it("a malformed allowlist entry stops start-up with the entry named", () => {
    expect(() => policy("10.0.0.0/33")).toThrow(/"10\.0\.0\.0\/33"/);
    expect(() => policy("hooks.internal/8")).toThrow(/hooks\.internal\/8/);
  });
});
