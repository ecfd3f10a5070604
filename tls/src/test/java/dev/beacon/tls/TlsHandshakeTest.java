package dev.beacon.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beacon.tls.testing.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsHandshakeTest {

    @TempDir
    static Path dir;
    static TestPki pki;
    static EventLoopGroup group;
    static TlsMaterial node;
    static TlsMaterial wrapper;

    @BeforeAll
    static void start() {
        pki = TestPki.create(dir);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        node = TlsMaterial.load(pki.node("n1"));
        wrapper = TlsMaterial.load(pki.wrapper("acme", "demo"));
    }

    @AfterAll
    static void stop() {
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void providerIsBoringSslUnlessForcedToJdk() {
        SslProvider expected = "jdk".equalsIgnoreCase(System.getProperty("beacon.tls.provider", ""))
                ? SslProvider.JDK : SslProvider.OPENSSL;
        assertEquals(expected, TlsContexts.provider());
        assertEquals(expected == SslProvider.OPENSSL,
                TlsContexts.server(node) instanceof io.netty.handler.ssl.OpenSslContext);
    }

    @Test
    void mutualTls13HandshakeAndServerSeesClientIdentity() throws Exception {
        SslContext ctx = TlsContexts.server(node);
        assertTrue(ctx.isServer());
        try (TlsServer server = new TlsServer(group, ctx)) {
            String reply = server.connect(JdkTls.context(wrapper));
            TlsServer.Result r = server.next();
            assertTrue(r.success(), () -> "handshake failed: " + r.cause());
            assertEquals("TLSv1.3", r.protocol());
            assertEquals(Optional.of(Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo")), r.peer());
            assertEquals("TLSv1.3 spiffe://beacon.test/tenant/acme/wrapper/demo", reply);
        }
    }

    @Test
    void clientWithRsaCertificateIsAccepted() throws Exception {
        TlsMaterial rsa = TlsMaterial.load(pki.issue(pki.beaconCa, "rsa-wrapper",
                Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "rsa"), r -> r.keyType(DevCa.KeyType.RSA).traditionalKey()));
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node))) {
            assertEquals("TLSv1.3 spiffe://beacon.test/tenant/acme/wrapper/rsa", server.connect(JdkTls.context(rsa)));
            assertTrue(server.next().success());
        }
    }

    @Test
    void clientWithoutCertificateIsRefused() throws Exception {
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node))) {
            assertThrows(IOException.class, () -> server.connect(trustOnly(node)));
            TlsServer.Result r = server.next();
            assertFalse(r.success(), "server accepted a client without a certificate");
        }
    }

    @Test
    void clientCertificateFromAnotherCaIsRefused() throws Exception {
        TlsMaterial foreign = TlsMaterial.load(pki.foreignWrapper("acme", "demo"));
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node))) {
            assertThrows(IOException.class, () -> server.connect(JdkTls.context(foreign)));
            assertFalse(server.next().success(), "server accepted a certificate from an unrelated CA");
            // a client that sends its certificate although the server named other CAs (as curl and Go do) must be told why:
            // the alert a client's error shows should say what is wrong: the CA, not the server
            IOException e = assertThrows(IOException.class, () -> server.connect(dev.beacon.tls.testing.Clients.alwaysPresenting(foreign)));
            assertFalse(server.next().success(), "server accepted a certificate from an unrelated CA");
            assertTrue(String.valueOf(e.getMessage()).contains("unknown_ca"), "client saw: " + e);
        }
    }

    @Test
    void expiredClientCertificateIsRefused() throws Exception {
        TlsMaterial expired = TlsMaterial.load(pki.expiredWrapper("acme", "old"));
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node))) {
            assertThrows(IOException.class, () -> server.connect(JdkTls.context(expired)));
            assertFalse(server.next().success(), "server accepted an expired certificate");
        }
    }

    @Test
    void tls12ClientIsRefused() throws Exception {
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node))) {
            assertThrows(IOException.class, () -> server.connect(JdkTls.context(wrapper), "TLSv1.2"));
            assertFalse(server.next().success(), "server accepted TLS 1.2");
        }
    }

    @Test
    void identityPredicateRefusesAndAccepts() throws Exception {
        SslContext acmeOnly = TlsContexts.server(node, id -> id.role() == Role.WRAPPER && "acme".equals(id.tenant()));
        try (TlsServer server = new TlsServer(group, acmeOnly)) {
            TlsMaterial globex = TlsMaterial.load(pki.wrapper("globex", "demo"));
            IOException e = assertThrows(IOException.class, () -> server.connect(JdkTls.context(globex)));
            assertTrue(String.valueOf(e.getMessage()).matches(".*(certificate_unknown|bad_certificate).*"), "client saw: " + e);
            TlsServer.Result refused = server.next();
            assertFalse(refused.success(), "predicate did not refuse globex");
            assertTrue(refused.why().contains("identity not allowed: spiffe://beacon.test/tenant/globex/wrapper/demo"), refused.why());

            TlsMaterial bridge = TlsMaterial.load(pki.bridge("acme", "acme-bridge"));
            assertThrows(IOException.class, () -> server.connect(JdkTls.context(bridge)));
            assertFalse(server.next().success(), "predicate did not refuse the acme bridge");

            assertEquals("TLSv1.3 spiffe://beacon.test/tenant/acme/wrapper/demo", server.connect(JdkTls.context(wrapper)));
            TlsServer.Result accepted = server.next();
            assertTrue(accepted.success(), () -> "predicate refused acme: " + accepted.cause());
            assertEquals(Optional.of(Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo")), accepted.peer());
        }
    }

    @Test
    void predicateStillRequiresTheCa() throws Exception {
        TlsMaterial foreign = TlsMaterial.load(pki.foreignWrapper("acme", "demo"));
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node, id -> true))) {
            IOException e = assertThrows(IOException.class, () -> server.connect(dev.beacon.tls.testing.Clients.alwaysPresenting(foreign)));
            assertFalse(server.next().success(), "allow-all predicate accepted a certificate from an unrelated CA");
            assertTrue(String.valueOf(e.getMessage()).contains("unknown_ca"), "client saw: " + e);
            assertThrows(IOException.class, () -> server.connect(trustOnly(node)));
            assertFalse(server.next().success(), "allow-all predicate accepted a client without a certificate");
        }
    }

    @Test
    void clientCertificateWithoutSpiffeIdentity() throws Exception {
        TlsMaterial noId = TlsMaterial.load(leafWithoutIdentity());
        assertEquals(Optional.empty(), noId.identity());
        // a predicate server refuses it: there is no identity to check
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node, id -> true))) {
            assertThrows(IOException.class, () -> server.connect(JdkTls.context(noId)));
            TlsServer.Result r = server.next();
            assertFalse(r.success(), "predicate server accepted a certificate without identity");
            assertTrue(r.why().contains("no spiffe:// identity"), r.why());
        }
        // without a predicate, anything the CA signed is let in, and the server sees no identity
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node))) {
            assertEquals("TLSv1.3 -", server.connect(JdkTls.context(noId)));
            TlsServer.Result r = server.next();
            assertTrue(r.success(), r::why);
            assertEquals(Optional.empty(), r.peer());
        }
    }

    /** A client certificate signed by the beacon CA with only a DNS SAN, written next to the CA bundle. */
    private static TlsFiles leafWithoutIdentity() throws Exception {
        java.security.PrivateKey caKey = Pem.privateKey(dir.resolve("beacon-ca/ca.key"));
        X509Certificate caCert = pki.beaconCa.certificate();
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair kp = g.generateKeyPair();
        java.time.Instant now = java.time.Instant.now();
        var b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(caCert, java.math.BigInteger.valueOf(now.toEpochMilli()),
                java.util.Date.from(now.minusSeconds(3600)), java.util.Date.from(now.plusSeconds(86400)),
                new javax.security.auth.x500.X500Principal("CN=no-identity"), kp.getPublic());
        b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                new org.bouncycastle.asn1.x509.GeneralNames(
                        new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.dNSName, "client.example")));
        b.addExtension(org.bouncycastle.asn1.x509.Extension.extendedKeyUsage, false,
                new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
        X509Certificate leaf = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
        Path cert = dir.resolve("no-identity/tls.crt");
        Path key = dir.resolve("no-identity/tls.key");
        java.nio.file.Files.createDirectories(cert.getParent());
        java.nio.file.Files.writeString(cert, pem(leaf));
        java.nio.file.Files.writeString(key, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null)));
        return new TlsFiles(cert, key, dir.resolve("beacon-ca/ca.crt"));
    }

    private static String pem(Object o) throws IOException {
        java.io.StringWriter sw = new java.io.StringWriter();
        try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    @Test
    void nettyClientWithHostnameVerification() throws Exception {
        try (TlsServer server = new TlsServer(group, TlsContexts.server(node))) {
            Optional<Identity> serverId = nettyHandshake(TlsContexts.client(wrapper, true), server.port());
            assertEquals(Optional.of(Identity.node(TestPki.TRUST_DOMAIN, "n1")), serverId);
            TlsServer.Result r = server.next();
            assertTrue(r.success(), () -> "handshake failed: " + r.cause());
            assertEquals("TLSv1.3", r.protocol());
            assertEquals(Optional.of(Identity.wrapper(TestPki.TRUST_DOMAIN, "acme", "demo")), r.peer());
        }
    }

    @Test
    void nettyClientRefusesServerWithoutMatchingSanUnlessHostnameCheckIsOff() throws Exception {
        TlsMaterial bridge = TlsMaterial.load(pki.bridge("acme", "acme-bridge"));
        try (TlsServer server = new TlsServer(group, TlsContexts.server(bridge))) {
            assertThrows(Exception.class, () -> nettyHandshake(TlsContexts.client(wrapper, true), server.port()));
            assertFalse(server.next().success());

            Optional<Identity> serverId = nettyHandshake(TlsContexts.client(wrapper, false), server.port());
            assertEquals(Optional.of(Identity.bridge(TestPki.TRUST_DOMAIN, "acme", "acme-bridge")), serverId);
            assertTrue(server.next().success());
        }
    }

    @Test
    void nettyClientRefusesServerFromAnotherCa() throws Exception {
        TlsMaterial inner = TlsMaterial.load(pki.innerBridge("acme", "b1"));
        try (TlsServer server = new TlsServer(group, TlsContexts.server(inner))) {
            assertThrows(Exception.class, () -> nettyHandshake(TlsContexts.client(wrapper, false), server.port()));
            assertFalse(server.next().success());
        }
    }

    /** A Netty client handshake to loopback; returns the server's identity or throws the handshake failure. */
    private static Optional<Identity> nettyHandshake(SslContext client, int port) throws Exception {
        AtomicReference<SslHandler> handler = new AtomicReference<>();
        String host = InetAddress.getLoopbackAddress().getHostAddress();
        Channel ch = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        SslHandler h = client.newHandler(c.alloc(), host, port);
                        handler.set(h);
                        c.pipeline().addLast(h, new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // reported through the handshake future
                            }
                        });
                    }
                })
                .connect(host, port)
                .sync()
                .channel();
        try {
            Future<Channel> hs = handler.get().handshakeFuture();
            if (!hs.await(TlsServer.DEADLINE_SECONDS, TimeUnit.SECONDS)) throw new AssertionError("client handshake timed out");
            if (!hs.isSuccess()) throw new IOException("client handshake failed", hs.cause());
            assertEquals("TLSv1.3", handler.get().engine().getSession().getProtocol());
            return Identity.of((X509Certificate) handler.get().engine().getSession().getPeerCertificates()[0]);
        } finally {
            ch.close().syncUninterruptibly();
        }
    }

    /** A JDK client that trusts {@code m}'s CA bundle but has no certificate of its own. */
    static SSLContext trustOnly(TlsMaterial m) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        int i = 0;
        for (X509Certificate c : m.trust()) ts.setCertificateEntry("ca" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(new javax.net.ssl.KeyManager[0], tmf.getTrustManagers(), null);
        return ctx;
    }
}
