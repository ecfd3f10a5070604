package dev.beacon.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A Netty TLS server on loopback for tests. After each handshake it records the outcome and, on success, writes
 * the client's identity URI and a newline, then closes. Each accepted connection yields exactly one {@link Result}.
 */
final class TlsServer implements AutoCloseable {
    static final long DEADLINE_SECONDS = 10;

    record Result(boolean success, String protocol, Optional<Identity> peer, Throwable cause) {
        /** Every message in the cause chain, for asserting on why a handshake failed. */
        String why() {
            StringBuilder sb = new StringBuilder();
            for (Throwable t = cause; t != null; t = t.getCause()) sb.append(t).append(" <- ");
            return sb.toString();
        }
    }

    private final Channel channel;
    private final BlockingQueue<Result> results = new LinkedBlockingQueue<>();

    /** {@code context} is asked for every new connection, so a reloading context can be followed. */
    TlsServer(EventLoopGroup group, Supplier<SslContext> context) throws InterruptedException {
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = context.get().newHandler(ch.alloc());
                        ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // the outcome is recorded from the handshake future
                            }
                        });
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                X509Certificate peer = (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
                                Optional<Identity> id = Identity.of(peer);
                                results.add(new Result(true, ssl.engine().getSession().getProtocol(), id, null));
                                String line = id.map(Identity::uri).orElse("-") + "\n";
                                ch.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8))
                                        .addListener(w -> ch.close());
                            } else {
                                results.add(new Result(false, null, Optional.empty(), f.cause()));
                                ch.close();
                            }
                        });
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0)
                .sync()
                .channel();
    }

    TlsServer(EventLoopGroup group, SslContext context) throws InterruptedException {
        this(group, () -> context);
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The outcome of the next handshake, waiting for it up to the deadline. */
    Result next() throws InterruptedException {
        Result r = results.poll(DEADLINE_SECONDS, TimeUnit.SECONDS);
        if (r == null) throw new AssertionError("no handshake outcome within " + DEADLINE_SECONDS + "s");
        return r;
    }

    /** Connects a blocking JDK client, handshakes and reads the server's one line; the socket times out at the deadline. */
    String connect(SSLContext client, String... protocols) throws IOException {
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            if (protocols.length > 0) s.setEnabledProtocols(protocols);
            s.startHandshake();
            String protocol = s.getSession().getProtocol();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != -1 && b != '\n'; ) line.write(b);
            if (line.size() == 0) throw new IOException("connection closed by the server without a reply (" + protocol + ")");
            return protocol + " " + line.toString(StandardCharsets.UTF_8);
        }
    }

    /** Like {@link #connect} but returns the certificate the server presented; the reply must arrive. */
    X509Certificate serverCertificate(SSLContext client) throws IOException {
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            s.startHandshake();
            X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
            InputStream in = s.getInputStream();
            int read = 0;
            for (int b; (b = in.read()) != -1 && b != '\n'; ) read++;
            if (read == 0) throw new IOException("connection closed by the server without a reply");
            return cert;
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
