package dev.beacon.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/** Closes a spliced stream that carried no bytes either way for the idle timeout. */
@ChannelHandler.Sharable
final class IdleClose extends ChannelInboundHandlerAdapter {
    static final IdleClose INSTANCE = new IdleClose();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            Relay.LOG.info("stream idle, closing source={}", Relay.remote(ctx.channel()));
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }
}
