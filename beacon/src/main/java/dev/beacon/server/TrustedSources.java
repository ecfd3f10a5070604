package dev.beacon.server;

import dev.beacon.config.ConfigException;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The address ranges whose PROXY headers are believed (relay.proxyProtocol.trustedSources): CIDR ranges, IPv4 or IPv6.
 * Matching is Netty's {@link IpSubnetFilterRule}; an IPv4 range never matches an IPv6 peer and the other way round.
 */
final class TrustedSources {
    private final List<IpSubnetFilterRule> ranges;

    private TrustedSources(List<IpSubnetFilterRule> ranges) {
        this.ranges = ranges;
    }

    /** Each entry is {@code address/prefix}, or a bare address for one host; a name is refused (no DNS at start-up). */
    static TrustedSources parse(String key, List<String> cidrs) {
        List<IpSubnetFilterRule> out = new ArrayList<>();
        if (cidrs == null) return new TrustedSources(out);
        for (int i = 0; i < cidrs.size(); i++) {
            String entry = cidrs.get(i) == null ? "" : cidrs.get(i).trim();
            out.add(range(key + "[" + i + "]", entry));
        }
        return new TrustedSources(List.copyOf(out));
    }

    private static IpSubnetFilterRule range(String key, String entry) {
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
            return new IpSubnetFilterRule(InetAddress.getByAddress(raw), prefix, IpFilterRuleType.ACCEPT);
        } catch (UnknownHostException | IllegalArgumentException e) { // e.g. ::ffff:10.0.0.0/104, an IPv4 address to Java
            throw new ConfigException(key, "cannot use " + dev.beacon.log.Untrusted.quote(entry) + ": " + e.getMessage());
        }
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** True if this TCP peer is one of the load balancers. */
    boolean contains(InetSocketAddress peer) {
        for (IpSubnetFilterRule r : ranges) {
            if (r.matches(peer)) return true;
        }
        return false;
    }
}
