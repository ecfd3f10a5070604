package dev.beacon.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The benchmark's server side of a stream, the same code behind every set-up (direct listener, HAProxy's backend,
 * the bench bridge's data connections). The first byte picks the mode:
 * <ul>
 *   <li>{@code 'E'}: echo every byte that follows (request/response latency, setup time, idle streams);</li>
 *   <li>{@code 'D'}: send bytes as fast as the stream takes them until the client closes (bulk throughput).</li>
 * </ul>
 */
final class Serve extends ChannelInboundHandlerAdapter {
    static final byte ECHO = 'E';
    static final byte DOWNLOAD = 'D';
    /** One shared read-only chunk; each write is a duplicate of it, so sending allocates nothing per chunk. */
    private static final ByteBuf CHUNK;

    static {
        byte[] b = new byte[64 * 1024];
        new java.util.Random(42).nextBytes(b);
        CHUNK = Unpooled.unreleasableBuffer(Unpooled.directBuffer(b.length).writeBytes(b).asReadOnly());
    }

    private byte mode;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (mode == 0) {
            if (!buf.isReadable()) {
                buf.release();
                return;
            }
            mode = buf.readByte();
            if (mode == DOWNLOAD) {
                buf.release();
                ctx.channel().config().setAutoRead(false);
                pump(ctx);
                ctx.read(); // see the client's close
                return;
            }
            if (mode != ECHO) {
                buf.release();
                ctx.close();
                return;
            }
        }
        if (mode == ECHO && buf.isReadable()) {
            ctx.write(buf, ctx.voidPromise());
        } else {
            buf.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (mode == ECHO) {
            ctx.flush();
            if (!ctx.channel().isWritable()) ctx.channel().config().setAutoRead(false);
        } else if (mode == DOWNLOAD) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            if (mode == DOWNLOAD) pump(ctx);
            else ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Writes while the stream takes it, at most 1 MiB per turn: a reader that keeps up would otherwise keep this
     * event loop busy forever, and every other connection on it (new handshakes included) would starve.
     */
    private static void pump(ChannelHandlerContext ctx) {
        for (int i = 0; i < 16 && ctx.channel().isActive() && ctx.channel().isWritable(); i++) {
            ctx.write(CHUNK.duplicate(), ctx.voidPromise());
            ctx.flush();
        }
        if (ctx.channel().isActive() && ctx.channel().isWritable()) ctx.executor().execute(() -> pump(ctx));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a client that goes away mid-stream is the normal end of a bulk run
    }
}
