package dev.beacon.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.Consumer;

/** Test hook: shows what the beacon relays (it must only ever be ciphertext). Never installed in production. */
final class Tap extends ChannelInboundHandlerAdapter {
    private final Consumer<ByteBuf> sink;

    Tap(Consumer<ByteBuf> sink) {
        this.sink = sink;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) sink.accept(b.duplicate());
        ctx.fireChannelRead(msg);
    }
}
