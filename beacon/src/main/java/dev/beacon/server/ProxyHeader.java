package dev.beacon.server;

import dev.beacon.log.Untrusted;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * PROXY protocol v2 on the relay port (relay.proxyProtocol, decision 0007): a load balancer in a trusted range puts a
 * binary header before the client's TLS hello that names the client; the relay then treats that address as the
 * client's everywhere (per-source rate limit, logs, STREAM/FORWARD {@code source}). Netty's
 * {@link HAProxyMessageDecoder} parses it; these handlers only decide whom to believe and what to refuse, and leave
 * the pipeline once the header is read, so relayed bytes never pass through them.
 *
 * <p>Refusals close the connection, count {@code beacon_handshake_failures_total{reason="proxy_<reason>"}} and log
 * one line ({@link RefusalLog}) naming the TCP peer and the reason: {@code no_header} (a trusted peer's first bytes
 * are not a PROXY header), {@code v1} (a text header), {@code oversized} (more than {@link #MAX_HEADER_BYTES}),
 * {@code truncated} (closed mid-header), {@code timeout} (no whole header within limits.handshakeTimeout),
 * {@code bad_header} (Netty's decoder refused it, or it names no TCP client), {@code spoofed} (a header from a peer
 * outside the trusted ranges).
 */
final class ProxyHeader {
    /** TLVs (cloud balancers add an endpoint id or two, tens of bytes) beyond this are refused: a header carries no data. */
    static final int MAX_TLV_BYTES = 512;
    /** The fixed 16 bytes, the largest address block (AF_UNIX, 216 bytes), and the TLVs: what Netty's decoder allows too. */
    static final int MAX_HEADER_BYTES = 16 + 216 + MAX_TLV_BYTES;
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] V1_SIGNATURE = {'P', 'R', 'O', 'X', 'Y'};

    private ProxyHeader() {
    }

    /** A peer in a trusted range: the header must come first; the relay's own pipeline is built once it is read. */
    static void expect(Relay relay, Channel ch) {
        Expected header = new Expected(relay);
        ch.pipeline()
                .addLast("proxy-check", header.new Check())
                .addLast("proxy-decoder", new HAProxyMessageDecoder(MAX_TLV_BYTES))
                .addLast("proxy-header", header);
    }

    /** Any other peer, while PROXY protocol is on: a header is refused; anything else passes after the first read. */
    static ChannelHandler refuseSpoofed(Relay relay) {
        return new SpoofCheck(relay);
    }

    static void refuse(Relay relay, ChannelHandlerContext ctx, String reason, String detail) {
        relay.metrics.handshakeFailed("proxy_" + reason);
        if (relay.refusalLog.admit("proxy/" + reason)) {
            Relay.LOG.warn("refused proxy header peer={} reason={} detail=\"{}\"", tcpPeer(ctx.channel()), reason, Untrusted.escape(detail));
        }
        ctx.close();
    }

    /** The balancer (or whoever dialled): proxy refusals name the TCP peer, never what a header claimed. */
    private static String tcpPeer(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() + ":" + a.getPort() : "?";
    }

    /** True if the readable bytes so far agree with {@code signature} (all of them, or its whole length). */
    private static boolean startsLike(ByteBuf in, byte[] signature) {
        int n = Math.min(in.readableBytes(), signature.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != signature[i]) return false;
        }
        return true;
    }

    /**
     * Whether Netty's decoder can read the TLVs of the header at {@code at} ({@code length} bytes) without failing
     * half-way: it keeps a retained slice of the connection's buffer for every TLV read before a failure (an SSL TLV
     * shorter than its 5 fixed bytes, a length past the end) and never releases them, so each such header leaked the
     * buffer. Its own rules, mirrored: TLVs follow the address block of a PROXY command with a known family and
     * transport; fewer than 4 bytes left end the list; an SSL TLV holds 5 bytes, then TLVs of its own.
     */
    static boolean tlvsWellFormed(ByteBuf in, int at, int length) {
        int command = in.getUnsignedByte(at + 12) & 0x0F;
        int family = in.getUnsignedByte(at + 13);
        int address = switch (family >> 4) {
            case 1 -> 12;
            case 2 -> 36;
            case 3 -> 216;
            default -> -1;
        };
        int transport = family & 0x0F;
        if (command != 1 || address < 0 || (transport != 1 && transport != 2) || length - 16 < address) {
            return true; // Netty reads no TLV of these: it answers or refuses them before
        }
        return tlvsWellFormed(in, at + 16 + address, at + length, 0);
    }

    private static boolean tlvsWellFormed(ByteBuf in, int from, int to, int depth) {
        int i = from;
        while (to - i >= 4) {
            int type = in.getUnsignedByte(i);
            int len = in.getUnsignedShort(i + 1);
            i += 3;
            if (len > to - i) return false;
            if (type == 0x20 && (len < 5 || depth > 0 || !tlvsWellFormed(in, i + 5, i + len, depth + 1))) return false;
            i += len;
        }
        return true;
    }

    /** Waits for a trusted peer's header, then hands the connection to {@link Relay#serve} with the client it names. */
    static final class Expected extends ChannelInboundHandlerAdapter {
        private final Relay relay;
        private final long deadlineNanos;
        private ScheduledFuture<?> timeout;
        private int received;
        private boolean done;

        Expected(Relay relay) {
            this.relay = relay;
            this.deadlineNanos = System.nanoTime() + relay.config.limits.handshakeTimeout.toNanos();
        }

        /** Before Netty's decoder: refuses what is no v2 header (or declares too many bytes) from the first bytes. */
        final class Check extends ByteToMessageDecoder {
            @Override
            protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                if (done) {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                received = in.readableBytes();
                ProtocolDetectionResult<HAProxyProtocolVersion> r = HAProxyMessageDecoder.detectProtocol(in);
                switch (r.state()) {
                    case NEEDS_MORE_DATA -> {
                        return;
                    }
                    case INVALID -> fail(ctx, in, "no_header", in.getByte(in.readerIndex()) == 0x16
                            ? "a TLS hello without a PROXY header first (a client inside a trusted range dialling the relay port directly?)"
                            : "the first bytes are not a PROXY v2 header");
                    case DETECTED -> {
                        if (r.detectedProtocol() == HAProxyProtocolVersion.V1) {
                            fail(ctx, in, "v1", "a PROXY v1 (text) header: only v2 (binary) is accepted, set the load balancer to send v2");
                            return;
                        }
                        if (in.readableBytes() < 16) return;
                        int length = 16 + in.getUnsignedShort(in.readerIndex() + 14);
                        if (length > MAX_HEADER_BYTES) {
                            fail(ctx, in, "oversized", "the header declares " + length + " bytes, more than " + MAX_HEADER_BYTES);
                            return;
                        }
                        if (in.readableBytes() < length) return; // the whole header (at most MAX_HEADER_BYTES) is checked first
                        if (!tlvsWellFormed(in, in.readerIndex(), length)) {
                            fail(ctx, in, "bad_header", "malformed TLVs: one runs past the header, or an SSL TLV is shorter than 5 bytes");
                            return;
                        }
                        ctx.pipeline().remove(this); // Netty's decoder gets the header and what follows it
                    }
                    default -> throw new IllegalStateException(r.state().toString());
                }
            }

            private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason, String detail) {
                in.skipBytes(in.readableBytes());
                refuse(ctx, reason, detail);
            }
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
            timeout = ctx.executor().schedule(() -> {
                if (!done) refuse(ctx, "timeout", "no whole PROXY header within " + ms + " ms (" + received + " bytes received)");
            }, ms, TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (done || !(msg instanceof HAProxyMessage m)) {
                ReferenceCountUtil.release(msg); // nothing passes a refused connection's header stage
                if (!done) refuse(ctx, "bad_header", "bytes before the header was decoded");
                return;
            }
            try {
                accept(ctx, m);
            } finally {
                m.release();
            }
        }

        private void accept(ChannelHandlerContext ctx, HAProxyMessage m) {
            InetSocketAddress client = null; // LOCAL (the balancer's own health check): the TCP peer stays the client
            if (m.command() == HAProxyCommand.PROXY) {
                HAProxyProxiedProtocol p = m.proxiedProtocol();
                if (p != HAProxyProxiedProtocol.TCP4 && p != HAProxyProxiedProtocol.TCP6) {
                    refuse(ctx, "bad_header", "a PROXY header for " + p + ": only TCP over IPv4 or IPv6 is relayed");
                    return;
                }
                byte[] raw = NetUtil.createByteArrayFromIpAddressString(m.sourceAddress());
                try {
                    client = new InetSocketAddress(InetAddress.getByAddress(raw), m.sourcePort());
                } catch (UnknownHostException | RuntimeException e) { // Netty formatted it from 4 or 16 bytes: not expected
                    refuse(ctx, "bad_header", "unusable source address " + Untrusted.quote(m.sourceAddress()));
                    return;
                }
            }
            done = true;
            timeout.cancel(false);
            relay.metrics.proxyHeaderAccepted(m.command() == HAProxyCommand.PROXY ? "proxy" : "local");
            ctx.pipeline().remove(this);
            // Netty's decoder leaves the pipeline after this returns and passes on the bytes behind the header (the TLS hello).
            relay.serve(ctx.channel(), client, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!done) {
                refuse(ctx, "bad_header", Refusals.messages(cause));
            } else {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done) {
                refuse(ctx, received == 0 ? "no_header" : "truncated", received == 0 ? "closed before sending anything"
                        : "closed after " + received + " bytes, before the header was complete");
            }
            if (timeout != null) timeout.cancel(false);
            ctx.fireChannelInactive();
        }

        private void refuse(ChannelHandlerContext ctx, String reason, String detail) {
            done = true;
            if (timeout != null) timeout.cancel(false);
            ProxyHeader.refuse(relay, ctx, reason, detail);
        }
    }

    /** Looks at a peer's first bytes only: a PROXY signature from outside the trusted ranges is refused, never believed. */
    static final class SpoofCheck extends ByteToMessageDecoder {
        private final Relay relay;
        private boolean refused;

        SpoofCheck(Relay relay) {
            this.relay = relay;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            if (refused) {
                in.skipBytes(in.readableBytes());
                return;
            }
            boolean v2 = startsLike(in, V2_SIGNATURE);
            boolean v1 = !v2 && startsLike(in, V1_SIGNATURE);
            if (!v2 && !v1) {
                ctx.pipeline().remove(this); // a TLS hello (or garbage for the SslHandler to refuse as today)
                return;
            }
            if (in.readableBytes() < (v2 ? V2_SIGNATURE.length : V1_SIGNATURE.length)) return; // not decided yet
            in.skipBytes(in.readableBytes());
            refused = true;
            refuse(relay, ctx, "spoofed", "a PROXY " + (v2 ? "v2" : "v1")
                    + " header from a peer outside relay.proxyProtocol.trustedSources: not believed");
        }
    }
}
