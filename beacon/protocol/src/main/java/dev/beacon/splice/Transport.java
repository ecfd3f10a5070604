package dev.beacon.splice;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Native epoll where it loads (Linux), NIO otherwise: one choice for the whole process. */
public final class Transport {

    /** Per-channel write buffer bounds: a splice side stops reading when its peer holds more than HIGH unsent. */
    public static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);

    private static final boolean EPOLL = Epoll.isAvailable() && !Boolean.getBoolean("beacon.transport.nio");

    private Transport() {
    }

    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }

    public static EventLoopGroup group(int threads, String name) {
        IoHandlerFactory f = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), f);
    }

    public static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Options every relay socket gets: no Nagle (small frames), keepalive, bounded write buffers. */
    public static io.netty.bootstrap.ServerBootstrap configure(io.netty.bootstrap.ServerBootstrap b) {
        return b.childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.SO_BACKLOG, 1024);
    }

    public static io.netty.bootstrap.Bootstrap configure(io.netty.bootstrap.Bootstrap b) {
        return b.option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
    }
}
