package dev.beacon.protocol;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of a frame pipeline, on either side: frames go to {@link #frameRead}; anything else is released (nothing
 * else arrives before the connection switches to raw bytes, and then this handler is gone). The TLS handshake's
 * outcome goes to {@link #handshaken} or {@link #handshakeFailed}.
 */
public abstract class FrameHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof Frame f) {
            frameRead(ctx, f);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    protected abstract void frameRead(ChannelHandlerContext ctx, Frame f) throws Exception;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                handshaken(ctx);
            } else {
                handshakeFailed(ctx, e.cause());
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** The TLS handshake finished; a client sends its first frame here. */
    protected void handshaken(ChannelHandlerContext ctx) throws Exception {
    }

    protected void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
