package dev.beacon.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.config.ConfigException;
import dev.beacon.tls.ReloadingTls;
import dev.beacon.tls.TlsContexts;
import dev.beacon.tls.TlsFiles;
import dev.beacon.tls.testing.Fuzz;
import dev.beacon.tls.testing.LeakCheck;
import dev.beacon.tls.testing.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The PROXY protocol v2 stage of the relay port and the trusted ranges: a balancer's header, however it is split,
 * names its client; any other bytes from a trusted peer end in a refusal (the connection closed), never an exception
 * past the stage or a leaked buffer; a CIDR list is ranges that contain what they say or a ConfigException.
 */
class ProxyHeaderProperties {
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final InetSocketAddress BALANCER = new InetSocketAddress("127.0.0.2", 40000);

    static Path dir;
    static Relay relay;
    static SimpleMeterRegistry meters;

    @BeforeContainer
    static void start() throws Exception {
        LeakCheck.install();
        dir = Files.createTempDirectory("proxy-properties");
        TlsFiles files = TestPki.create(dir).node("n1");
        BeaconConfig c = new BeaconConfig();
        c.tls.cert = files.cert().toString();
        c.tls.key = files.key().toString();
        c.tls.ca = files.ca().toString();
        c.limits.handshakeTimeout = Duration.ofMinutes(10); // the embedded loop runs no timer unless told to
        c.limits.connectionsPerSecondPerSource = Integer.MAX_VALUE / 4;
        c.node.ioThreads = 1;
        c.relay.proxyProtocol.enabled = true;
        c.relay.proxyProtocol.trustedSources = List.of("127.0.0.2/32");
        c.validate();
        meters = new SimpleMeterRegistry();
        relay = new Relay(c, "n1", new ReloadingTls("relay", files, TlsContexts::server, meters), meters);
    }

    @AfterContainer
    static void stop() throws Exception {
        relay.stop();
        LeakCheck.assertNoLeaks(ProxyHeaderProperties.class.getSimpleName());
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** What became of one connection from a trusted balancer: its refusal reason, if any, and buffers left unreleased. */
    record Result(boolean open, boolean accepted, InetSocketAddress client, Throwable escaped, String refused, int unreleased) {
    }

    /** Hands out unpooled buffers and remembers them, so a connection's end can check each was released. */
    static final class Tracking extends io.netty.buffer.AbstractByteBufAllocator {
        final List<io.netty.buffer.ByteBuf> handedOut = new java.util.ArrayList<>();

        @Override
        protected io.netty.buffer.ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return track(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
        }

        @Override
        protected io.netty.buffer.ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return track(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
        }

        io.netty.buffer.ByteBuf track(io.netty.buffer.ByteBuf b) {
            handedOut.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        int unreleased() {
            return (int) handedOut.stream().filter(b -> b.refCnt() > 0).count();
        }
    }

    private static Map<String, Double> refusals() {
        Map<String, Double> m = new java.util.TreeMap<>();
        meters.find("beacon_handshake_failures_total").counters().forEach(c -> m.put(c.getId().getTag("reason"), c.count()));
        return m;
    }

    /** Feeds {@code bytes} in chunks of {@code chunk} to a fresh connection from the balancer, then closes it. */
    static Result connection(byte[] bytes, int chunk) {
        EmbeddedChannel ch = new EmbeddedChannel(false, false) {
            @Override
            protected SocketAddress remoteAddress0() {
                return BALANCER;
            }
        };
        Tracking alloc = new Tracking();
        ch.config().setAllocator(alloc);
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, Double> before = refusals();
        boolean open = false;
        boolean accepted = false;
        InetSocketAddress client = null;
        Throwable escaped = null;
        try {
            ProxyHeader.expect(relay, ch);
            for (int at = 0; at < bytes.length && ch.isOpen(); at += chunk) {
                ch.writeInbound(alloc.track(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + chunk)))));
            }
            accepted = ch.pipeline().get("proxy-header") == null && ch.pipeline().get("tls") != null;
            open = ch.isOpen();
            client = ch.attr(Relay.CLIENT).get();
            ch.close().syncUninterruptibly();
            ch.checkException();
        } catch (Throwable t) {
            escaped = t;
        } finally {
            ch.finishAndReleaseAll();
        }
        Map<String, Double> after = refusals();
        after.replaceAll((k, v) -> v - before.getOrDefault(k, 0.0));
        after.values().removeIf(v -> v == 0);
        return new Result(open, accepted, client, escaped, after.isEmpty() ? null : after.keySet().toString(), alloc.unreleased());
    }

    @Property
    void aBalancersHeaderNamesItsClientHoweverItIsSplit(@ForAll("headers") Header h, @ForAll @IntRange(min = 1, max = 40) int chunk) {
        Result r = Fuzz.run(() -> connection(h.bytes(), chunk)).get();
        assertNull(r.escaped(), () -> "escaped: " + r.escaped());
        assertTrue(r.accepted() && r.open(), "not accepted: " + r);
        assertEquals(0, r.unreleased(), "buffers left unreleased");
        assertEquals(h.client(), r.client());
    }

    @Property
    void anyBytesFromABalancerAreAHeaderOrARefusalNeverAnEscapedException(@ForAll("nearlyHeaders") byte[] bytes,
                                                                         @ForAll @IntRange(min = 1, max = 64) int chunk) {
        Result r = Fuzz.run(() -> connection(bytes, chunk)).get();
        assertNull(r.escaped(), () -> "escaped: " + r.escaped());
        assertEquals(0, r.unreleased(), () -> "buffers left unreleased: " + r);
        assertTrue(r.accepted() || !r.open() || bytes.length < 16 + 216 + ProxyHeader.MAX_TLV_BYTES,
                "neither accepted nor refused after " + bytes.length + " bytes");
    }

    /** Regression: Netty's decoder kept a slice of the connection's buffer for a short SSL TLV and never released it. */
    @Example
    void aHeaderWithAShortSslTlvIsRefusedAndLeavesNoBuffer() {
        byte[] block = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2};
        for (String tlvs : new String[] {"20000100", "e00001002000020000", "e000ff00", "20000900000000000000ff0000"}) {
            Result r = connection(header(0x21, 0x11, block, io.netty.buffer.ByteBufUtil.decodeHexDump(tlvs)), 7);
            assertNull(r.escaped());
            assertEquals("[proxy_bad_header]", r.refused(), tlvs);
            assertEquals(0, r.unreleased(), tlvs);
        }
        Result ok = connection(header(0x21, 0x11, block, io.netty.buffer.ByteBufUtil.decodeHexDump("2000050100000000")), 7);
        assertTrue(ok.accepted(), "an SSL TLV of its 5 fixed bytes: " + ok);
        assertEquals(0, ok.unreleased());
    }

    /** Regression: Netty's IPv6 rule read addresses as signed numbers. */
    @Example
    void theTopBitOfAnIpv6AddressCountsLikeAnyOther() throws Exception {
        assertFalse(TrustedSources.parse("k", List.of("::/1")).contains(new InetSocketAddress("8000::1", 1)));
        assertFalse(TrustedSources.parse("k", List.of("4000::/2")).contains(new InetSocketAddress("c000::1", 1)));
        assertTrue(TrustedSources.parse("k", List.of("ff00::/0")).contains(new InetSocketAddress("::1", 1)));
        assertTrue(TrustedSources.parse("k", List.of("::/0")).contains(new InetSocketAddress("fd00::1", 1)));
        assertFalse(TrustedSources.parse("k", List.of("::/0")).contains(new InetSocketAddress("10.0.0.1", 1)));
    }

    // ---- trusted ranges ----

    @Property
    void aCidrContainsExactlyTheAddressesUnderItsPrefix(@ForAll("cidrs") Cidr c, @ForAll long seed) throws Exception {
        TrustedSources t = TrustedSources.parse("k", List.of(c.text()));
        Random r = new Random(seed);
        byte[] inside = c.address().clone();
        for (int bit = c.prefix(); bit < inside.length * 8; bit++) if (r.nextBoolean()) inside[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        assertTrue(t.contains(new InetSocketAddress(InetAddress.getByAddress(inside), 1)), c.text() + " contains its own addresses");
        if (c.prefix() > 0) {
            byte[] outside = inside.clone();
            int bit = r.nextInt(c.prefix());
            outside[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            assertFalse(t.contains(new InetSocketAddress(InetAddress.getByAddress(outside), 1)), c.text() + " is only its prefix");
        }
    }

    @Property
    void anyCidrTextIsARangeOrAConfigExceptionNamingTheEntry(@ForAll("nearlyCidrs") List<String> entries) {
        Fuzz.Outcome<TrustedSources> o = Fuzz.run(() -> TrustedSources.parse("relay.proxyProtocol.trustedSources", entries))
                .refusedOnlyWith(ConfigException.class);
        if (o.thrown() instanceof ConfigException e) assertTrue(e.key().startsWith("relay.proxyProtocol.trustedSources["), e.key());
    }

    // ---- generators ----

    record Header(byte[] bytes, InetSocketAddress client) {
        @Override
        public String toString() {
            return io.netty.buffer.ByteBufUtil.hexDump(bytes) + " client=" + client;
        }
    }

    record Cidr(byte[] address, int prefix, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    static Arbitrary<byte[]> addresses(int len) {
        return Arbitraries.bytes().array(byte[].class).ofSize(len);
    }

    static Arbitrary<byte[]> tlvs() {
        // 0x20 (SSL) has a structure of its own; the mutated inputs below cover it
        return Combinators.combine(Arbitraries.integers().between(0, 255).filter(t -> t != 0x20), Arbitraries.integers().between(0, 120))
                .as((type, len) -> {
                    byte[] t = new byte[3 + len];
                    t[0] = (byte) (int) type;
                    t[1] = (byte) (len >>> 8);
                    t[2] = (byte) (int) len;
                    return t;
                }).list().ofMaxSize(4).map(l -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    l.forEach(out::writeBytes);
                    return out.toByteArray();
                }).filter(b -> b.length <= ProxyHeader.MAX_TLV_BYTES);
    }

    static byte[] header(int command, int family, byte[] addresses, byte[] tlvs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        out.write(command);
        out.write(family);
        int len = addresses.length + tlvs.length;
        out.write(len >>> 8);
        out.write(len);
        out.writeBytes(addresses);
        out.writeBytes(tlvs);
        return out.toByteArray();
    }

    @Provide
    Arbitrary<Header> headers() {
        Arbitrary<Header> v4 = Combinators.combine(addresses(4), addresses(4), Arbitraries.integers().between(0, 65535),
                Arbitraries.integers().between(0, 65535), tlvs()).as((src, dst, sp, dp, tlv) -> {
                    byte[] block = new byte[12];
                    System.arraycopy(src, 0, block, 0, 4);
                    System.arraycopy(dst, 0, block, 4, 4);
                    block[8] = (byte) (sp >>> 8);
                    block[9] = (byte) (int) sp;
                    block[10] = (byte) (dp >>> 8);
                    block[11] = (byte) (int) dp;
                    return new Header(header(0x21, 0x11, block, tlv), socket(src, sp));
                });
        Arbitrary<Header> v6 = Combinators.combine(addresses(16), addresses(16), Arbitraries.integers().between(0, 65535),
                Arbitraries.integers().between(0, 65535), tlvs()).as((src, dst, sp, dp, tlv) -> {
                    byte[] block = new byte[36];
                    System.arraycopy(src, 0, block, 0, 16);
                    System.arraycopy(dst, 0, block, 16, 16);
                    block[32] = (byte) (sp >>> 8);
                    block[33] = (byte) (int) sp;
                    block[34] = (byte) (dp >>> 8);
                    block[35] = (byte) (int) dp;
                    return new Header(header(0x21, 0x21, block, tlv), socket(src, sp));
                });
        Arbitrary<Header> local = tlvs().map(tlv -> new Header(header(0x20, 0x00, new byte[0], tlv), null));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, v4), net.jqwik.api.Tuple.of(4, v6), net.jqwik.api.Tuple.of(1, local));
    }

    private static InetSocketAddress socket(byte[] address, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Headers (each family and command byte, lengths that lie), mutated, TLS hellos and v1 text, and noise. */
    @Provide
    Arbitrary<byte[]> nearlyHeaders() {
        Arbitrary<byte[]> odd = Combinators.combine(Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 255),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300)).as((cmd, fam, rest) -> header(cmd, fam, rest, new byte[0]));
        Arbitrary<byte[]> other = Arbitraries.of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001", "GET / HTTP/1.1\r\n")
                .map(s -> s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Arbitrary<byte[]> valid = Arbitraries.oneOf(headers().map(Header::bytes), odd, other);
        return Fuzz.nearly(valid);
    }

    @Provide
    Arbitrary<Cidr> cidrs() {
        Arbitrary<Cidr> v4 = Combinators.combine(addresses(4), Arbitraries.integers().between(0, 32))
                .as((a, p) -> new Cidr(a, p, text(a) + "/" + p));
        Arbitrary<Cidr> v6 = Combinators.combine(addresses(16), Arbitraries.integers().between(0, 128))
                .filter((a, p) -> !v4Mapped(a)) // ::ffff:a.b.c.d is an IPv4 address to Java, and refused as a range
                .as((a, p) -> new Cidr(a, p, text(a) + "/" + p));
        return Arbitraries.oneOf(v4, v6);
    }

    private static boolean v4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static String text(byte[] a) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Provide
    Arbitrary<List<String>> nearlyCidrs() {
        Arbitrary<String> valid = Arbitraries.oneOf(cidrs().map(Cidr::text),
                Arbitraries.of("10.0.0.0/8", "fd00::/8", "::ffff:10.0.0.0/104", "127.0.0.1", "::1", "0.0.0.0/0", "1.2.3.4/33", "a.b/1"));
        return Fuzz.nearlyText(valid).injectNull(0.05).list().ofMinSize(1).ofMaxSize(3);
    }
}
