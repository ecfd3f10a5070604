package dev.beacon.status.probe;

import dev.beacon.config.HostPort;
import dev.beacon.protocol.ClientPipeline;
import dev.beacon.protocol.Frame;
import dev.beacon.protocol.FrameHandler;
import dev.beacon.protocol.NodePeer;
import dev.beacon.tls.Identity;
import dev.beacon.tls.JdkTls;
import dev.beacon.tls.Role;
import dev.beacon.tls.TlsContexts;
import dev.beacon.tls.TlsMaterial;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Mutual TLS to a node's relay port, as a wrapper would start it: TLS 1.3 with the status page's certificate, the
 * node's certificate checked against the beacon CA and the dialled host name, then {@link NodePeer}: the server must
 * be a beacon node. Sends no frame and closes. Reports the node certificate's notAfter, also when it has expired.
 *
 * <p>Reasons: "TLS handshake: certificate expired", "... certificate not issued by the beacon CA", "... certificate
 * does not name the dialled host", "TLS handshake: not a beacon node (the server is ...)", "connection refused",
 * "timeout after 5 s".
 */
final class TlsProbe implements Probe {
    private final String node;
    private final HostPort relay;
    private final EventLoopGroup group;
    private final BiConsumer<String, Instant> notAfter;
    private final SslContext tls;
    /** What the last handshake presented and why our check refused it; one attempt at a time per node. */
    private volatile X509Certificate presented;
    private volatile CertificateException refused;

    TlsProbe(String node, HostPort relay, TlsMaterial own, EventLoopGroup group, BiConsumer<String, Instant> notAfter) {
        this.node = node;
        this.relay = relay;
        this.group = group;
        this.notAfter = notAfter;
        try {
            this.tls = SslContextBuilder.forClient()
                    .keyManager(own.key(), own.chain().toArray(X509Certificate[]::new))
                    .trustManager(new Witness(own))
                    .protocols(TlsContexts.TLS13)
                    .sslProvider(TlsContexts.provider())
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS probe's context: " + e.getMessage(), e);
        }
    }

    @Override
    public String component() {
        return "node/" + node + "/tls";
    }

    @Override
    public CompletableFuture<Void> attempt(Duration timeout) {
        presented = null;
        refused = null;
        CompletableFuture<Void> done = new CompletableFuture<>();
        ChannelFuture connect = new ClientPipeline(relay, tls).connectTimeout(timeout).handshakeTimeout(timeout)
                .connect(group, new Handshake(done));
        connect.addListener(f -> {
            if (!f.isSuccess()) done.completeExceptionally(f.cause());
        });
        done.whenComplete((ok, e) -> connect.channel().close()); // also when the Prober's deadline completes it
        return done;
    }

    private final class Handshake extends FrameHandler {
        private final CompletableFuture<Void> done;

        Handshake(CompletableFuture<Void> done) {
            this.done = done;
        }

        @Override
        protected void handshaken(ChannelHandlerContext ctx) {
            try {
                NodePeer.check(ctx.channel(), null);
                reportExpiry();
                done.complete(null);
            } catch (SSLPeerUnverifiedException e) {
                X509Certificate leaf = presented;
                String is = leaf == null ? "" : Identity.of(leaf).map(id -> " (the server is " + id.uri() + ")")
                        .orElse(" (the server's certificate has no spiffe:// identity)");
                done.completeExceptionally(new ProbeFailure("TLS handshake: not a beacon node" + is, e));
            }
            ctx.close();
        }

        @Override
        protected void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
            reportExpiry(); // an expired node certificate is still worth a gauge reading: it says since when
            String problem = Reason.certificateProblem(refused != null ? refused : cause);
            done.completeExceptionally(problem != null ? new ProbeFailure("TLS handshake: " + problem, cause) : cause);
            ctx.close();
        }

        @Override
        protected void frameRead(ChannelHandlerContext ctx, Frame f) {
            ctx.close(); // a node sends nothing before the first frame; the probe sends none
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new ProbeFailure("connection closed before the TLS handshake finished"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** Only a certificate naming a beacon node says when a node's certificate expires. */
    private void reportExpiry() {
        X509Certificate leaf = presented;
        if (leaf != null && Identity.of(leaf).map(id -> id.role() == Role.NODE).orElse(false)) {
            notAfter.accept(node, leaf.getNotAfter().toInstant());
        }
    }

    /** PKIX against the beacon CA (host name included), remembering what the server presented and why it failed. */
    private final class Witness extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager pkix;

        Witness(TlsMaterial own) {
            X509ExtendedTrustManager found = null;
            for (TrustManager tm : JdkTls.trust(own.trust()).getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) found = x;
            }
            if (found == null) throw new IllegalStateException("no X509 trust manager available");
            this.pkix = found;
        }

        private void seen(X509Certificate[] chain, Check check) throws CertificateException {
            presented = chain.length > 0 ? chain[0] : null;
            try {
                check.run();
            } catch (CertificateException e) {
                refused = e;
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            seen(chain, () -> pkix.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            seen(chain, () -> pkix.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            seen(chain, () -> pkix.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("the TLS probe is a client");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("the TLS probe is a client");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the TLS probe is a client");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    @FunctionalInterface
    private interface Check {
        void run() throws CertificateException;
    }
}
