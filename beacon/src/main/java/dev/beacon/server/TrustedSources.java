package dev.beacon.server;

import dev.beacon.config.ConfigException;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The address ranges whose PROXY headers are believed (relay.proxyProtocol.trustedSources): CIDR ranges, IPv4 or IPv6.
 * A peer matches when the first prefix bits of its address are the range's; an IPv4 range never matches an IPv6 peer
 * and the other way round. (Not Netty's IpSubnetFilterRule: it reads IPv6 addresses as signed numbers, so ::/1 took
 * in 8000::1 and ff00::/0 missed ::1.)
 */
final class TrustedSources {
    private final List<Range> ranges;

    /** The first {@code prefix} bits of {@code address} (4 or 16 bytes). */
    private record Range(byte[] address, int prefix) {
        boolean contains(byte[] a) {
            if (a.length != address.length) return false;
            int whole = prefix / 8;
            for (int i = 0; i < whole; i++) if (a[i] != address[i]) return false;
            int rest = prefix % 8;
            if (rest == 0) return true;
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (a[whole] & mask) == (address[whole] & mask);
        }
    }

    private TrustedSources(List<Range> ranges) {
        this.ranges = ranges;
    }

    /** Each entry is {@code address/prefix}, or a bare address for one host; a name is refused (no DNS at start-up). */
    static TrustedSources parse(String key, List<String> cidrs) {
        List<Range> out = new ArrayList<>();
        if (cidrs == null) return new TrustedSources(out);
        for (int i = 0; i < cidrs.size(); i++) {
            String entry = cidrs.get(i) == null ? "" : cidrs.get(i).trim();
            out.add(range(key + "[" + i + "]", entry));
        }
        return new TrustedSources(List.copyOf(out));
    }

    private static Range range(String key, String entry) {
        int slash = entry.indexOf('/');
        String ip = slash < 0 ? entry : entry.substring(0, slash);
        byte[] raw = NetUtil.createByteArrayFromIpAddressString(ip); // a literal only: never a DNS lookup
        if (raw == null) {
            throw new ConfigException(key, dev.beacon.log.Untrusted.quote(entry)
                    + " is not a CIDR range: expected an IPv4 or IPv6 address, optionally with /prefix (10.0.0.0/8, fd00::/8)");
        }
        int max = raw.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new ConfigException(key, dev.beacon.log.Untrusted.quote(entry) + " has a bad prefix length: must be 0-" + max
                        + " for an IPv" + (raw.length == 4 ? "4" : "6") + " address");
            }
        }
        try {
            if (raw.length == 16 && InetAddress.getByAddress(raw) instanceof Inet4Address) {
                // ::ffff:10.0.0.0/104: Java hands such a peer over as an IPv4 address, which no IPv6 range matches
                throw new IllegalArgumentException("an IPv4-mapped IPv6 address is an IPv4 address to Java: write the IPv4 range");
            }
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new ConfigException(key, "cannot use " + dev.beacon.log.Untrusted.quote(entry) + ": " + e.getMessage());
        }
        return new Range(raw, prefix);
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** True if this TCP peer is one of the load balancers. */
    boolean contains(InetSocketAddress peer) {
        byte[] a = peer.getAddress().getAddress();
        for (Range r : ranges) {
            if (r.contains(a)) return true;
        }
        return false;
    }
}
