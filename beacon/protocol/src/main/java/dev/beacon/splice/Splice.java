package dev.beacon.splice;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Joins two channels into one byte stream, raw bytes both ways, with TCP's own back-pressure: each side reads
 * only while the other side is writable (below its high water mark), so a slow reader stalls the writer
 * instead of making anyone buffer without bound. Buffers are handed over as they are, never copied.
 */
public final class Splice {

    /** Called once when the splice ends, with the bytes each way. */
    public interface Ended {
        void ended(long aToB, long bToA, Throwable cause);
    }

    private final AtomicBoolean ended = new AtomicBoolean();
    private final Ended onEnd;
    private volatile long aToB;
    private volatile long bToA;
    private volatile Throwable cause;

    private Splice(Ended onEnd) {
        this.onEnd = onEnd;
    }

    /**
     * Prepares a splice between {@code a} and {@code b}. The caller adds {@link #handlerForA()} to a's pipeline
     * and {@link #handlerForB()} to b's (each on its own event loop), then calls {@code read()} on each.
     * {@code countAToB} and {@code countBToA} see every chunk's size (metrics); may be null.
     */
    public static Splice between(Channel a, Channel b, LongConsumer countAToB, LongConsumer countBToA, Ended onEnd) {
        Splice s = new Splice(onEnd);
        s.sideA = new Side(s, b, true, countAToB);
        s.sideB = new Side(s, a, false, countBToA);
        return s;
    }

    /** Prepares and installs a splice at the tail of both pipelines and starts reading. */
    public static Splice join(Channel a, Channel b, LongConsumer countAToB, LongConsumer countBToA, Ended onEnd) {
        Splice s = between(a, b, countAToB, countBToA, onEnd);
        a.eventLoop().execute(() -> s.install(a, s.sideA));
        b.eventLoop().execute(() -> s.install(b, s.sideB));
        return s;
    }

    private Side sideA;
    private Side sideB;

    public io.netty.channel.ChannelHandler handlerForA() {
        return sideA;
    }

    public io.netty.channel.ChannelHandler handlerForB() {
        return sideB;
    }

    /** Adds the side's handler at the tail of {@code ch}'s pipeline and starts reading; call on ch's event loop. */
    public void install(Channel ch, io.netty.channel.ChannelHandler side) {
        ch.config().setAutoRead(false);
        if (!ch.isActive()) {
            ((Side) side).closePeer();
            return;
        }
        ch.pipeline().addLast("splice", side);
        if (side == sideA && idleNanos > 0) armIdle(ch, idleNanos);
        ch.read();
    }

    private void end(Throwable t) {
        if (t != null && cause == null) cause = t;
        if (ended.compareAndSet(false, true)) {
            java.util.concurrent.ScheduledFuture<?> timer = idleTimer;
            if (timer != null) timer.cancel(false);
            if (onEnd != null) onEnd.ended(aToB, bToA, cause);
        }
    }

    // ---- idle timeout: one timer per splice, not one per side (docs/decisions/0004) ----

    private long idleNanos;
    private Runnable onIdle;
    /** When either side last read anything (System.nanoTime). */
    private volatile long lastActivity = System.nanoTime();
    private volatile java.util.concurrent.ScheduledFuture<?> idleTimer;

    /**
     * Closes both channels once neither side has read anything for {@code millis} (a byte written to one side is a
     * byte read from the other, so reads cover both directions). {@code onIdle} runs first (a log line). Call before
     * installing; the timer runs on a's event loop.
     */
    public Splice idleTimeout(long millis, Runnable onIdle) {
        this.idleNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis);
        this.onIdle = onIdle;
        return this;
    }

    private void armIdle(Channel a, long delayNanos) {
        if (ended.get()) return;
        idleTimer = a.eventLoop().schedule(() -> {
            long quiet = System.nanoTime() - lastActivity;
            if (ended.get()) return;
            if (quiet < idleNanos) {
                armIdle(a, idleNanos - quiet);
                return;
            }
            if (onIdle != null) onIdle.run();
            a.close();
            sideA.closePeer();
        }, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (ended.get()) idleTimer.cancel(false);
    }

    private static final class Side extends ChannelInboundHandlerAdapter {
        private final Splice splice;
        private final Channel peer;
        private final boolean aSide;
        private final LongConsumer counter;
        private long bytes;

        Side(Splice splice, Channel peer, boolean aSide, LongConsumer counter) {
            this.splice = splice;
            this.peer = peer;
            this.aSide = aSide;
            this.counter = counter;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf) || !peer.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int n = buf.readableBytes();
            bytes += n;
            if (aSide) splice.aToB = bytes; else splice.bToA = bytes;
            if (counter != null) counter.accept(n);
            peer.write(buf, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (splice.idleNanos > 0) splice.lastActivity = System.nanoTime();
            peer.flush();
            if (peer.isWritable()) ctx.read();
            // else: the peer's writability event reads for us once it drained below the low water mark
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) peer.read();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            splice.end(null);
            closePeer();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            splice.end(cause);
            ctx.close();
            closePeer();
        }

        void closePeer() {
            splice.end(null);
            if (peer.isActive()) peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
