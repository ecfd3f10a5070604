package dev.beacon.protocol;

import dev.beacon.config.HostPort;
import dev.beacon.splice.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The client side of a connection to a beacon node's relay port, the same for the bridge, node-to-node links and
 * the bench: TCP with a connect timeout, TLS to the dialled host (SNI, and host-name verification when the context
 * does it) with a handshake timeout, then frames of at most {@link Protocol#DEFAULT_MAX_FRAME_BYTES}. The pipeline
 * is {@code tls, frames, encoder, handler}; the handler checks the server with {@link NodePeer} once handshaken.
 */
public final class ClientPipeline {
    private final HostPort to;
    private final SslContext tls;
    /** Netty's own defaults, for clients that set none. */
    private Duration connectTimeout = Duration.ofSeconds(30);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Set<FrameType> rawAfter = EnumSet.noneOf(FrameType.class);
    private ByteBufAllocator allocator;
    private Consumer<Channel> onChannel = ch -> { };

    public ClientPipeline(HostPort to, SslContext tls) {
        this.to = to;
        this.tls = tls;
    }

    public ClientPipeline connectTimeout(Duration d) {
        this.connectTimeout = d;
        return this;
    }

    public ClientPipeline handshakeTimeout(Duration d) {
        this.handshakeTimeout = d;
        return this;
    }

    /** After a frame of one of these types the bytes behind it are stream data (STREAM, CONNECTED). */
    public ClientPipeline rawAfter(FrameType first, FrameType... rest) {
        this.rawAfter = EnumSet.of(first, rest);
        return this;
    }

    public ClientPipeline allocator(ByteBufAllocator a) {
        this.allocator = a;
        return this;
    }

    /** Sees each new channel first, e.g. to track it for shutdown. */
    public ClientPipeline onChannel(Consumer<Channel> c) {
        this.onChannel = c;
        return this;
    }

    public ChannelFuture connect(EventLoopGroup group, ChannelHandler handler) {
        Bootstrap b = Transport.configure(new Bootstrap())
                .group(group)
                .channel(Transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
        if (allocator != null) b.option(ChannelOption.ALLOCATOR, allocator);
        return b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                onChannel.accept(ch);
                SslHandler ssl = tls.newHandler(ch.alloc(), to.host(), to.port());
                ssl.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
                ch.pipeline()
                        .addLast("tls", ssl)
                        .addLast("frames", new FrameCodec.Decoder(Protocol.DEFAULT_MAX_FRAME_BYTES, rawAfter))
                        .addLast("encoder", new FrameCodec.Encoder())
                        .addLast("handler", handler);
            }
        }).connect(to.host(), to.port());
    }
}
